Feature: As of a day, as known at a moment
  Every fact has two times: when it happened in the world, and when the ledger learned it. An
  analyst asks what was in force on a day ("as of") and what the ledger knew at an earlier moment
  ("as known at" a position of the log, or a time). History may be recorded late, and withdrawn.

  Background:
    Given the ledger records:
      | date       | event               | key              | details                                          |
      | 2025-04-10 | tariff imposed      | us-reciprocal-cn | imposer US; target CN; rate 125%                 |
      | 2025-05-12 | truce agreed        | geneva-2025      | parties US and CN; effective 2025-05-14; days 90 |
      | 2025-05-14 | tariff rate changed | us-reciprocal-cn | rate 34%                                         |
      | 2025-05-14 | tariff suspended    | us-reciprocal-cn | points 24; truce geneva-2025                     |
    And I note the position as "before the extension"
    And I note the time as "the evening of 10 August"
    And later the ledger records:
      | date       | event          | key         | details            |
      | 2025-08-11 | truce extended | geneva-2025 | expires 2025-11-10 |

  Scenario Outline: Geneva: the rate on a day, as known before and after the truce was extended
    When I read the tariffs as of <day> as known at <known>
    Then the tariff us-reciprocal-cn is <status> at <rate>%
    And US tariffs on China total <rate>%

    Examples:
      | day        | known                  | status    | rate |
      | 2025-04-10 | "before the extension" | in force  | 125  |
      | 2025-05-13 | "before the extension" | in force  | 125  |
      | 2025-05-14 | "before the extension" | suspended | 10   |
      | 2025-08-11 | "before the extension" | suspended | 10   |
      | 2025-08-12 | "before the extension" | in force  | 34   |
      | 2025-08-12 | position 4             | in force  | 34   |
      | 2025-08-12 | position 5             | suspended | 10   |
      | 2025-08-12 | now                    | suspended | 10   |
      | 2025-11-09 | now                    | suspended | 10   |
      | 2025-11-10 | now                    | in force  | 34   |

  Scenario: Geneva: as known at a time noted before the extension was recorded, the rate on 12 August is 34%
    When I read the tariffs as of 2025-08-12 as known at "the evening of 10 August"
    Then the answer is as known at position 4
    And the tariff us-reciprocal-cn is in force at 34%

  Scenario: Geneva: before the extension was known, the truce expired on 12 August
    When I read the truces as of 2025-08-12 as known at "before the extension"
    Then the truce geneva-2025 is expired, expiring 2025-08-12 with 0 days remaining

  Scenario: Geneva: once the extension is known, the truce runs to 10 November
    When I read the truces as of 2025-08-12
    Then the truce geneva-2025 is in force, expiring 2025-11-10 with 90 days remaining

  Scenario: As known on a day before anything was recorded, nothing is known
    When I read the tariffs as of 2025-06-10 as known at 2000-01-01
    Then the answer is as known at position 0
    And the tariff us-reciprocal-cn is not listed

  Scenario Outline: A tariff from March recorded after the June talks shows in earlier views once known
    Given I note the position as "before the back-fill"
    And later the ledger records:
      | date       | event          | key             | details                                                                          |
      | 2025-03-12 | tariff imposed | us-232-steel-cn | imposer US; target CN; rate 25%; products steel and aluminium; announced 2025-02-10 |
    When I read the tariffs as of <day> as known at <known>
    Then the tariff us-232-steel-cn <shown>
    And US tariffs on China total 125%

    Examples:
      | day        | known                 | shown              |
      | 2025-04-10 | "before the back-fill" | is not listed      |
      | 2025-04-10 | now                   | is in force at 25% |
      | 2025-04-10 | position 6            | is in force at 25% |

  Scenario Outline: A measure announced before it takes effect shows as announced in between
    Given later the ledger records:
      | date       | event          | key          | details                                              |
      | 2025-04-10 | tariff imposed | cn-reciprocal-us | imposer CN; target US; rate 34%; announced 2025-04-04 |
    When I read the tariffs as of <day>
    Then the tariff cn-reciprocal-us <shown>
    And <total>

    Examples:
      | day        | shown                              | total                                |
      | 2025-04-03 | is not listed                      | there is no total of China's tariffs on the US |
      | 2025-04-04 | is announced since 2025-04-04      | there is no total of China's tariffs on the US |
      | 2025-04-09 | is announced since 2025-04-04      | there is no total of China's tariffs on the US |
      | 2025-04-10 | is in force at 34% since 2025-04-10 | China's tariffs on the US total 34%  |

  Scenario Outline: A retracted event disappears from views known after the retraction, and stays in earlier ones
    Given I retract the truce extended of geneva-2025 dated 2025-08-11, because "the order was not signed"
    When I read the tariffs as of 2025-08-12 as known at <known>
    Then the tariff us-reciprocal-cn is <status> at <rate>%

    Examples:
      | known      | status    | rate |
      | position 5 | suspended | 10   |
      | position 6 | in force  | 34   |
      | now        | in force  | 34   |

  Scenario: The log keeps a retracted event and the retraction
    Given I retract the truce extended of geneva-2025 dated 2025-08-11, because "the order was not signed"
    When I read the log
    Then the log lists the truce extended of geneva-2025 dated 2025-08-11 at position 5, retracted by position 6
    And the log lists at position 6 the retraction of position 5, because "the order was not signed"

  Scenario: An event that later events depend on cannot be retracted
    When I retract the truce agreed of geneva-2025 dated 2025-05-12, because "wrong date"
    Then the recording is refused, saying "depends on it"

  Scenario: A truce that a tariff suspension names cannot be retracted
    Given later the ledger records:
      | date       | event            | key              | details                                             |
      | 2025-05-12 | truce agreed     | geneva-cn-2025   | parties CN and US; effective 2025-05-14; days 90    |
      | 2025-04-10 | tariff imposed   | cn-reciprocal-us | imposer CN; target US; rate 34%                     |
      | 2025-05-14 | tariff suspended | cn-reciprocal-us | points 24; truce geneva-cn-2025                     |
    When I retract the truce agreed of geneva-cn-2025 dated 2025-05-12, because "recorded under the wrong key"
    Then the recording is refused, saying "depends on it"
