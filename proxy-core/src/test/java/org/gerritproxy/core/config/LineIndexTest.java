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

  @Test
  void aValidTextHasNoSyntaxError() {
    assertThat(LineIndex.of("[a]\n  k = v\n").syntaxError()).isEmpty();
  }

  @Test
  void aSyntaxErrorIsBlamedOnItsLine() {
    assertThat(LineIndex.of("[a]\n  k = 1\n  k = \\q\n  j = 2\n").syntaxError()).hasValue(3);
    assertThat(LineIndex.of("# c\nk = v\n[a]\n").syntaxError()).hasValue(2);
    assertThat(LineIndex.of("[a]\n[b\n").syntaxError()).hasValue(2);
    assertThat(LineIndex.of("[a]\n  k = \"open\n").syntaxError()).hasValue(2);
    assertThat(LineIndex.of("[a]\n  k").syntaxError()).as("a key cut off by the end").hasValue(2);
  }

  @Test
  void theKeysBeforeASyntaxErrorAreKept() {
    LineIndex index = LineIndex.of("[a]\n  k = 1\n  ]\n");

    assertThat(index.entries()).extracting(Entry::value).containsExactly("1");
    assertThat(index.syntaxError()).hasValue(3);
  }

  @Test
  void aSubsectionContinuedWithABackslashSpansLines() {
    LineIndex index = LineIndex.of("[node \"a\\\nb\"]\n  k = v\n");

    assertThat(index.headers()).extracting(Header::subsection).containsExactly("a\nb");
    assertThat(index.entries()).extracting(Entry::line).containsExactly(3);
    // A text that ended inside it would lack the closing bracket: that is the line JGit blames.
    assertThat(LineIndex.of("[node \"a\\\nb\"]\n  k = \\q\n").syntaxError()).hasValue(1);
  }

  @Test
  void anIncludeNeedsAPathAndIsBlamedWhereItCouldHaveEnded() {
    assertThat(LineIndex.of("[include]\n  path = p\n").syntaxError()).isEmpty();
    assertThat(LineIndex.of("[include]\n  other = p\n").syntaxError()).hasValue(2);
    assertThat(LineIndex.of("[include]\n  path =\n").syntaxError()).hasValue(2);
    // Valid when whole, but cut after line 2 the path would be empty: the search over prefixes
    // the lexer stands in for blamed line 2 for the error on line 4.
    assertThat(LineIndex.of("[include]\n  path = \\\n  p\n  ]\n").syntaxError()).hasValue(2);
  }
}
