Feature: The rules of a tariff measure
  A tariff measure is one layer of duties an imposer puts on a target; layers stack into totals.
  Its rate may change, part of it may be suspended (for a time, or under a truce) and reinstated,
  and it is lifted once. Rules are judged in valid time: history may be back-filled, but never so
  that an event already recorded becomes invalid.

  Background:
    Given the ledger records:
      | date       | event               | key              | details                                               |
      | 2025-04-05 | tariff imposed      | us-reciprocal-cn | imposer US; target CN; rate 10%; announced 2025-04-02 |
      | 2025-04-10 | tariff rate changed | us-reciprocal-cn | rate 125%                                             |
      | 2025-05-14 | tariff rate changed | us-reciprocal-cn | rate 34%                                              |

  Scenario Outline: A suspension of more points than the rate of its day is refused
    When I record a tariff suspended of us-reciprocal-cn on <day> with points <points>; until 2025-08-12
    Then <outcome>

    Examples:
      | day        | points | outcome                                                                         |
      | 2025-05-14 | 24     | it is recorded                                                                  |
      | 2025-05-14 | 34     | it is recorded                                                                  |
      | 2025-05-14 | 35     | the recording is refused, saying "35 points exceed the rate of 34% that day"  |
      | 2025-05-13 | 125    | it is recorded                                                                  |

  Scenario: A suspension must end after it begins
    When I record a tariff suspended of us-reciprocal-cn on 2025-05-14 with points 24; until 2025-05-14
    Then the recording is refused, saying "until must be after date"

  Scenario: A tariff's imposer and target differ
    When I record a tariff imposed of us-on-us on 2025-04-05 with imposer US; target US; rate 10%
    Then the recording is refused, saying "imposer and target must differ"

  Scenario Outline: Nothing may be dated after a lift
    Given later the ledger records:
      | date       | event         | key              | details |
      | 2025-07-01 | tariff lifted | us-reciprocal-cn |         |
    When I record a tariff rate changed of us-reciprocal-cn on <day> with rate 20%
    Then <outcome>

    Examples:
      | day        | outcome                                                                                 |
      | 2025-06-30 | it is recorded                                                                          |
      | 2025-07-01 | it is recorded                                                                          |
      | 2025-07-02 | the recording is refused, saying "nothing may follow: us-reciprocal-cn was lifted on 2025-07-01" |

  Scenario: A tariff is lifted once
    Given later the ledger records:
      | date       | event         | key              | details |
      | 2025-07-01 | tariff lifted | us-reciprocal-cn |         |
    When I record a tariff lifted of us-reciprocal-cn on 2025-07-05
    Then the recording is refused, saying "us-reciprocal-cn was lifted on 2025-07-01"

  Scenario: An event that would make a later one invalid is refused: a lift back-filled before a recorded rate change
    When I record a tariff lifted of us-reciprocal-cn on 2025-04-08
    Then the recording is refused, saying "it would make the"
    And the refusal also says "of 2025-04-10"
    And the refusal also says "lifted on 2025-04-08"

  Scenario: An event that would make a later one invalid is refused: a rate cut back-filled under a recorded suspension
    Given later the ledger records:
      | date       | event            | key              | details                     |
      | 2025-06-01 | tariff suspended | us-reciprocal-cn | points 24; until 2025-08-12 |
    When I record a tariff rate changed of us-reciprocal-cn on 2025-05-20 with rate 20%
    Then the recording is refused, saying "it would make the"
    And the refusal also says "24 points exceed the rate of 20% that day"

  Scenario Outline: A tariff is reinstated only while a suspension applies
    Given later the ledger records:
      | date       | event            | key              | details                     |
      | 2025-05-14 | tariff suspended | us-reciprocal-cn | points 24; until 2025-08-12 |
    When I record a tariff reinstated of us-reciprocal-cn on <day>
    Then <outcome>

    Examples:
      | day        | outcome                                                           |
      | 2025-05-13 | the recording is refused, saying "no suspension applies that day" |
      | 2025-05-14 | it is recorded                                                    |
      | 2025-08-11 | it is recorded                                                    |
      | 2025-08-12 | the recording is refused, saying "no suspension applies that day" |

  Scenario Outline: Nothing is recorded of a tariff before it was announced
    When I record a tariff rate changed of us-reciprocal-cn on <day> with rate 20%
    Then <outcome>

    Examples:
      | day        | outcome                                                                                   |
      | 2025-04-01 | the recording is refused, saying "it is dated before us-reciprocal-cn began on 2025-04-02" |
      | 2025-04-02 | it is recorded                                                                            |

  Scenario Outline: The rate of a tariff through announcement, changes and a suspension
    Given later the ledger records:
      | date       | event            | key              | details                     |
      | 2025-06-01 | tariff suspended | us-reciprocal-cn | points 24; until 2025-07-01 |
    When I read the tariffs as of <day>
    Then the tariff us-reciprocal-cn <shown>

    Examples:
      | day        | shown                                |
      | 2025-04-01 | is not listed                        |
      | 2025-04-02 | is announced since 2025-04-02        |
      | 2025-04-04 | is announced since 2025-04-02        |
      | 2025-04-05 | is in force at 10% since 2025-04-05  |
      | 2025-04-10 | is in force at 125% since 2025-04-10 |
      | 2025-05-31 | is in force at 34% since 2025-05-14  |
      | 2025-06-01 | is suspended at 10% since 2025-06-01 |
      | 2025-06-30 | is suspended at 10% since 2025-06-01 |
      | 2025-07-01 | is in force at 34% since 2025-07-01  |

  Scenario Outline: A lifted tariff leaves the totals on the day it is lifted
    Given later the ledger records:
      | date       | event         | key              | details |
      | 2025-07-01 | tariff lifted | us-reciprocal-cn |         |
    When I read the tariffs as of <day>
    Then <total>

    Examples:
      | day        | total                                        |
      | 2025-06-30 | US tariffs on China total 34%                |
      | 2025-07-01 | there is no total of US tariffs on China     |
