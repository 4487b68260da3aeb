package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.gerritproxy.core.config.LineIndex.Entry;
import org.gerritproxy.core.config.LineIndex.Header;
import org.junit.jupiter.api.Test;

class LineIndexTest {

  @Test
  void findsHeadersAndKeysWithTheirLines() {
    LineIndex index =
        LineIndex.of(
            """
            # [not a header]
            [Proxy]
              Name = a
            [node "Gerrit-1"]   ; comment
              http = http://x:1
            """);

    assertThat(index.headers())
        .containsExactly(new Header("proxy", null, 2, ""), new Header("node", "Gerrit-1", 4, ""));
    assertThat(index.entries())
        .containsExactly(
            new Entry("proxy", null, "Name", "a", 3, false),
            new Entry("node", "Gerrit-1", "http", "http://x:1", 5, false));
    assertThat(index.headerLine("NODE", "Gerrit-1")).hasValue(4);
    assertThat(index.headerLine("node", "gerrit-1")).isEmpty();
  }

  @Test
  void continuedValuesCountTheirLines() {
    LineIndex index = LineIndex.of("[a]\n  k = one \\\n  two \\\n  three\n  next = 1\n");

    assertThat(index.entries(("a"), null, "NEXT")).extracting(Entry::line).containsExactly(5);
  }

  @Test
  void quotesAndEscapesDoNotEndAValueOrStartAComment() {
    LineIndex index =
        LineIndex.of(
            "[a]\n  k = \"x # y ; z\" # real comment\n  q = \"say \\\"hi\\\"\"\n  r = 1\n");

    assertThat(index.entries())
        .extracting(Entry::name, Entry::line)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("k", 2),
            org.assertj.core.groups.Tuple.tuple("q", 3),
            org.assertj.core.groups.Tuple.tuple("r", 4));
  }

  @Test
  void repeatedKeysAreAllKeptInOrder() {
    LineIndex index = LineIndex.of("[sshd]\n  hostKey = a\n[proxy]\n[sshd]\n  HOSTKEY = b\n");

    assertThat(index.entries("sshd", null, "hostkey"))
        .extracting(Entry::line)
        .containsExactly(2, 5);
  }

  @Test
  void aKeyWrittenAloneIsBare() {
    LineIndex index = LineIndex.of("[election]\n  failback\n  mode = local\n");

    assertThat(index.entries()).extracting(Entry::bare).containsExactly(true, false);
  }

  @Test
  void textAfterAHeaderIsKeptForTheLoaderToReport() {
    LineIndex index = LineIndex.of("[proxy] name = a # c\n[httpd] # only a comment\n");

    assertThat(index.headers()).extracting(Header::trailing).containsExactly("name = a # c", "");
    assertThat(index.entries()).isEmpty();
  }

  @Test
  void subsectionEscapesAreResolved() {
    LineIndex index = LineIndex.of("[node \"a\\\"b\"]\n  http = x\n");

    assertThat(index.headers()).extracting(Header::subsection).isEqualTo(List.of("a\"b"));
  }

  @Test
  void windowsLineEndingsCountLikeUnixOnes() {
    LineIndex index = LineIndex.of("[a]\r\n  k = 1\r\n\r\n  j = 2\r\n");

    assertThat(index.entries()).extracting(Entry::line).containsExactly(2, 4);
  }
}
