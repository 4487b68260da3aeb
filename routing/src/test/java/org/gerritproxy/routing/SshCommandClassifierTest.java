package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SshCommandClassifierTest {

  /** One row per variant of the rules table in docs/routing.md; {@code -} means no project. */
  @ParameterizedTest(name = "{0} -> {1} {2} [{3}] masterOnly={4}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      quoteCharacter = '`',
      textBlock =
          """
          # git, as git sends it and in the variants users type
          git-upload-pack '/project.git'                     | READ   | git-upload-pack        | project          | false
          git-upload-pack 'project'                          | READ   | git-upload-pack        | project          | false
          git-upload-pack '/team/sub/project.git'            | READ   | git-upload-pack        | team/sub/project | false
          git-upload-pack /project                           | READ   | git-upload-pack        | project          | false
          git-upload-pack "/my project.git"                  | READ   | git-upload-pack        | my project       | false
          git-upload-pack '//project.git/'                   | READ   | git-upload-pack        | project          | false
          git upload-pack '/project.git'                     | READ   | git-upload-pack        | project          | false
          git upload-pack /x                                 | READ   | git-upload-pack        | x                | false
          git-upload-pack                                    | READ   | git-upload-pack        | -                | false
          git-upload-archive '/project.git'                  | READ   | git-upload-archive     | project          | false
          git upload-archive 'team/project'                  | READ   | git-upload-archive     | team/project     | false
          git-receive-pack 'a/b'                             | WRITE  | git-receive-pack       | a/b              | false
          git-receive-pack '/a/b.git'                        | WRITE  | git-receive-pack       | a/b              | false
          git receive-pack "/a/b.git"                        | WRITE  | git-receive-pack       | a/b              | false
          'git-receive-pack' 'project'                       | WRITE  | git-receive-pack       | project          | false
          git-receive-pack /it\\'s.git                       | WRITE  | git-receive-pack       | it's             | false
          # read-only gerrit commands
          gerrit version                                     | READ   | gerrit version         | -                | false
          gerrit ls-projects                                 | READ   | gerrit ls-projects     | -                | false
          gerrit ls-projects --type code -b master           | READ   | gerrit ls-projects     | -                | false
          gerrit query --format json status:open             | READ   | gerrit query           | -                | false
          gerrit query --format=JSON 'status:open project:"x y"' | READ | gerrit query         | -                | false
          gerrit ls-groups                                   | READ   | gerrit ls-groups       | -                | false
          gerrit ls-members Administrators                   | READ   | gerrit ls-members      | -                | false
          gerrit show-caches                                 | READ   | gerrit show-caches     | -                | false
          gerrit show-connections -w                         | READ   | gerrit show-connections | -               | false
          gerrit show-queue                                  | READ   | gerrit show-queue      | -                | false
          gerrit ls-user-refs -p project -u jdoe             | READ   | gerrit ls-user-refs    | -                | false
          gerrit apropos replication                         | READ   | gerrit apropos         | -                | false
          gerrit plugin ls                                   | READ   | gerrit plugin ls       | -                | false
          gerrit logging ls-level                            | READ   | gerrit logging ls-level | -               | false
          gerrit                                             | READ   | gerrit                 | -                | false
          gerrit --help                                      | READ   | gerrit                 | -                | false
          # events happen where writes happen
          gerrit stream-events                               | READ   | gerrit stream-events   | -                | true
          gerrit stream-events -s patchset-created           | READ   | gerrit stream-events   | -                | true
          # review and submit
          gerrit review 1,2 --code-review +2                 | WRITE  | gerrit review          | -                | false
          gerrit review --message 'Looks good' 1,2           | WRITE  | gerrit review          | -                | false
          gerrit review --submit 1,2                         | SUBMIT | gerrit review --submit | -                | true
          gerrit review -s 1,2                               | SUBMIT | gerrit review --submit | -                | true
          gerrit review 1,2 --code-review +2 --submit        | SUBMIT | gerrit review --submit | -                | true
          gerrit review 1,2 '--submit'                       | SUBMIT | gerrit review --submit | -                | true
          gerrit review 1,2 "-s"                             | SUBMIT | gerrit review --submit | -                | true
          gerrit review 1,2 --submit=true                    | SUBMIT | gerrit review --submit | -                | true
          gerrit approve --submit 1,2                        | SUBMIT | gerrit review --submit | -                | true
          gerrit review --message '--submit is not here' 1,2 | WRITE  | gerrit review          | -                | false
          # anything else is a write
          gerrit create-project team/new                     | WRITE  | gerrit                 | -                | false
          gerrit set-account --add-email a@b.c jdoe          | WRITE  | gerrit                 | -                | false
          gerrit plugin install x.jar                        | WRITE  | gerrit                 | -                | false
          gerrit plugin                                      | WRITE  | gerrit                 | -                | false
          gerrit flush-caches --all                          | WRITE  | gerrit                 | -                | false
          gerrit index changes 1                             | WRITE  | gerrit                 | -                | false
          gerrit Version                                     | WRITE  | gerrit                 | -                | false
          replication start --all                            | WRITE  | command                | -                | false
          kill 1234                                          | WRITE  | command                | -                | false
          ps                                                 | WRITE  | command                | -                | false
          git-upload-packx /project                          | WRITE  | command                | -                | false
          git fetch /project                                 | WRITE  | command                | -                | false
          """)
  void classifiesEveryRowOfTheRulesTable(
      String command, RequestClass cls, String label, String project, boolean masterOnly) {
    Classification c = SshCommandClassifier.classify(command);

    assertThat(c.requestClass()).isEqualTo(cls);
    assertThat(c.label()).isEqualTo(label);
    assertThat(c.project()).isEqualTo(Optional.ofNullable(project));
    assertThat(c.masterOnly()).isEqualTo(masterOnly);
    // Only the event stream follows the master: its session ends when the master changes.
    assertThat(c.followsTheMaster()).isEqualTo(label.equals("gerrit stream-events"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "suexec --as jdoe@example.com -- gerrit version",
        "suexec",
        "'suexec' --as admin -- gerrit create-project x",
        "gerrit suexec --as admin -- gerrit version"
      })
  void refusesSuexecFromClients(String command) {
    Classification c = SshCommandClassifier.classify(command);

    assertThat(c.requestClass()).isEqualTo(RequestClass.REFUSED);
    assertThat(c.label()).isEqualTo("suexec");
    assertThat(c.refusal().orElseThrow()).startsWith("suexec is reserved for the proxy itself");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t \n"})
  void refusesAnEmptyCommandSinceThereIsNoShell(String command) {
    Classification c = SshCommandClassifier.classify(command);

    assertThat(c.requestClass()).isEqualTo(RequestClass.REFUSED);
    assertThat(c.label()).isEqualTo("shell");
    assertThat(c.refusal().orElseThrow()).contains("no interactive shell");
  }

  @Test
  void anEmptyQuotedWordIsACommandNotAnEmptyLine() {
    assertThat(SshCommandClassifier.classify("''").requestClass()).isEqualTo(RequestClass.WRITE);
    assertThat(SshCommandClassifier.classify("''x").requestClass()).isEqualTo(RequestClass.WRITE);
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          a b  c                    | a,b,c
          'a b' c                   | a b,c
          "a b" c                   | a b,c
          a\\ b c                   | a b,c
          'it''s'                   | its
          "say \\"hi\\""            | say "hi"
          "a\\\\b"                  | a\\b
          "a\\nb"                   | a\\nb
          'a\\b'                    | a\\b
          "a'b"                     | a'b
          'a"b'                     | a"b
          x'y'"z"                   | xyz
          'unterminated here        | unterminated here
          "unterminated here        | unterminated here
          trailing\\                | trailing\\
          """)
  void splitsCommandLinesLikeAShell(String line, String expected) {
    List<String> want = List.of(expected.split(","));

    assertThat(SshCommandClassifier.split(line)).isEqualTo(want);
  }

  @Test
  void emptyQuotesAreAnEmptyArgument() {
    assertThat(SshCommandClassifier.split("a '' \"\" b")).containsExactly("a", "", "", "b");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Gerrit Code Review", "gerrit code review", "GERRIT CODE REVIEW"})
  void refusesTheLoginOfThePeerUser(String user) {
    assertThat(SshCommandClassifier.refuseLogin(user))
        .hasValueSatisfying(m -> assertThat(m).contains("reserved for the proxy"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"jdoe", "j", "7", "j.doe", "j_doe-1", "jdoe@example.com", "a+b", "x{y}z", "A.B"})
  void acceptsUserNamesGerritAccepts(String user) {
    assertThat(SshCommandClassifier.refuseLogin(user)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "j doe", "-jdoe", ".jdoe", "jdoe.", "jdoe-", "a/b", "a:b", "a\\b", "é", "a\nb", "a\"b"})
  void refusesUserNamesGerritWouldNeverIssue(String user) {
    assertThat(SshCommandClassifier.refuseLogin(user)).isPresent();
  }

  @Test
  void refusesAMissingUserName() {
    assertThat(SshCommandClassifier.refuseLogin(null)).isPresent();
  }
}
