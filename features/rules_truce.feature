Feature: The rules of a truce
  A truce is agreed between parties for a time: it takes effect on a day and expires on another
  (the first day it no longer applies). It may be extended before it expires, accused of
  violations by its parties, and terminated once. An expired truce is not revived: agree a new one.

  Background:
    Given the ledger records:
      | date       | event        | key         | details                                          |
      | 2025-05-12 | truce agreed | geneva-2025 | parties US and CN; effective 2025-05-14; days 90 |

  Scenario Outline: A truce is extended only before it expires
    When I record a truce extended of geneva-2025 on <day> with expires 2025-11-10
    Then <outcome>

    Examples:
      | day        | outcome                                                                           |
      | 2025-05-12 | it is recorded                                                                    |
      | 2025-08-11 | it is recorded                                                                    |
      | 2025-08-12 | the recording is refused, saying "the truce expired on 2025-08-12; agree a new one" |
      | 2025-09-01 | the recording is refused, saying "the truce expired on 2025-08-12; agree a new one" |

  Scenario: Extending a terminated truce is refused
    Given later the ledger records:
      | date       | event            | key         | details                                   |
      | 2025-07-01 | truce terminated | geneva-2025 | by US; reason China did not ease controls |
    When I record a truce extended of geneva-2025 on 2025-07-15 with expires 2025-11-10
    Then the recording is refused, saying "geneva-2025 was terminated on 2025-07-01"

  Scenario: An extension must move the expiry later
    When I record a truce extended of geneva-2025 on 2025-08-01 with expires 2025-08-12
    Then the recording is refused, saying "the new expiry 2025-08-12 is not after the current 2025-08-12"

  Scenario: Extending by a number of days adds them to the current expiry
    Given later the ledger records:
      | date       | event          | key         | details |
      | 2025-08-11 | truce extended | geneva-2025 | days 90 |
    When I read the truces as of 2025-08-12
    Then the truce geneva-2025 is in force, expiring 2025-11-10 with 90 days remaining

  Scenario: A truce must expire after it takes effect
    When I record a truce agreed of stockholm-2025 on 2025-07-29 with parties US and CN; effective 2025-08-12; expires 2025-08-12
    Then the recording is refused, saying "expires (2025-08-12) must be after effective (2025-08-12)"

  Scenario Outline: Violations are alleged by one party against another
    When I record a violation alleged of geneva-2025 on 2025-06-01 with by <by>; against <against>; claim slow export licences
    Then <outcome>

    Examples:
      | by | against | outcome                                                                              |
      | US | CN      | it is recorded                                                                       |
      | US | US      | the recording is refused, saying "a party cannot allege a violation against itself" |
      | JP | CN      | the recording is refused, saying "JP is not a party to the truce (US, CN)"           |

  Scenario: Nothing is recorded of a truce before it was agreed
    When I record a violation alleged of geneva-2025 on 2025-05-11 with by US; against CN; claim early breach
    Then the recording is refused, saying "it is dated before geneva-2025 began on 2025-05-12"

  Scenario: A truce is terminated once
    Given later the ledger records:
      | date       | event            | key         | details |
      | 2025-07-01 | truce terminated | geneva-2025 | by US   |
    When I record a truce terminated of geneva-2025 on 2025-07-02 with by CN
    Then the recording is refused, saying "nothing may follow: geneva-2025 was terminated on 2025-07-01"

  Scenario: Back-filling a termination before a recorded allegation is refused
    Given later the ledger records:
      | date       | event             | key         | details                                  |
      | 2025-06-02 | violation alleged | geneva-2025 | by CN; against US; claim new chip curbs  |
    When I record a truce terminated of geneva-2025 on 2025-06-01 with by US
    Then the recording is refused, saying "it would make the"
    And the refusal also says "of 2025-06-02"

  Scenario: Before it is agreed, a truce is not known
    When I read the truces as of 2025-05-11
    Then the truce geneva-2025 is not listed

  Scenario Outline: The status of a truce through its life
    When I read the truces as of <day>
    Then the truce geneva-2025 is <status>, expiring 2025-08-12 with <days> days remaining

    Examples:
      | day        | status   | days |
      | 2025-05-12 | agreed   | 92   |
      | 2025-05-13 | agreed   | 91   |
      | 2025-05-14 | in force | 90   |
      | 2025-08-11 | in force | 1    |
      | 2025-08-12 | expired  | 0    |

  Scenario Outline: A terminated truce stops applying on the day it is terminated
    Given later the ledger records:
      | date       | event            | key         | details |
      | 2025-07-01 | truce terminated | geneva-2025 | by US   |
    When I read the truces as of <day>
    Then the truce geneva-2025 is <status> with <days> days remaining

    Examples:
      | day        | status     | days |
      | 2025-06-30 | in force   | 43   |
      | 2025-07-01 | terminated | 0    |
