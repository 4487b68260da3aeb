package org.gerritproxy.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The text form the proxy writes and the fence reads: what it accepts and what it refuses. */
class MasterRecordTest {

  @Test
  void theTextFormReadsBackAsTheSameRecord() {
    for (MasterRecord r : new MasterRecord[] {
        new MasterRecord(Optional.of("gerrit-1"), 0),
        new MasterRecord(Optional.of("site-b.gerrit-2"), 7),
        new MasterRecord(Optional.empty(), Long.MAX_VALUE)}) {
      assertThat(MasterRecord.parse(r.toText())).isEqualTo(r);
    }
    assertThat(new MasterRecord(Optional.of("gerrit-2"), 7).toText())
        .isEqualTo("master=gerrit-2\nepoch=7\n");
  }

  @Test
  void commentsBlankLinesSpacesAndKeysOfALaterProxyAreIgnored() {
    assertThat(MasterRecord.parse("# written by proxy-a\n\n  master = gerrit-2 \nepoch=7\nby=a\n"))
        .isEqualTo(new MasterRecord(Optional.of("gerrit-2"), 7));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "master=gerrit-1                | a master record needs both master= and epoch=",
      "epoch=3                        | a master record needs both master= and epoch=",
      "master=gerrit-1\\nepoch=three  | epoch is not a number: 'three'",
      "master gerrit-1\\nepoch=3      | not key=value: 'master gerrit-1'",
      "master=gerrit-1\\nepoch=-1     | epoch must not be negative, not -1"})
  void anythingElseIsRefusedSayingWhatIsWrong(String text, String why) {
    assertThatThrownBy(() -> MasterRecord.parse(text.replace("\\n", "\n")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(why);
  }
}
