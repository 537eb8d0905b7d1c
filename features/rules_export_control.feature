Feature: The rules of an export control
  An export control puts items under licence or bans them, to some or all destinations. Items may
  be added and removed, licences approved once it has taken effect, the control eased, suspended
  (for a time, or under a truce) and reinstated, and it is lifted once.

  Background:
    Given the ledger records:
      | date       | event                  | key                    | details                                                                          |
      | 2025-04-04 | export control imposed | cn-rare-earths-2025-04 | imposer CN; items samarium, terbium and dysprosium; regime licence; announced 2025-04-02 |

  Scenario Outline: Removed items must be controlled
    When I record an export control items removed of cn-rare-earths-2025-04 on 2025-06-01 with items <items>
    Then <outcome>

    Examples:
      | items              | outcome                                                                          |
      | terbium            | it is recorded                                                                   |
      | Terbium            | it is recorded                                                                   |
      | terbium and gallium | the recording is refused, saying "not controlled, so cannot be removed: gallium" |

  Scenario Outline: An item added later can be removed only from the day it was added
    Given later the ledger records:
      | date       | event                       | key                    | details       |
      | 2025-05-01 | export control items added  | cn-rare-earths-2025-04 | items gallium |
    When I record an export control items removed of cn-rare-earths-2025-04 on <day> with items gallium
    Then <outcome>

    Examples:
      | day        | outcome                                                                          |
      | 2025-04-30 | the recording is refused, saying "not controlled, so cannot be removed: gallium" |
      | 2025-05-01 | it is recorded                                                                   |

  Scenario: An event that would make a later one invalid is refused: an item removed before its recorded removal
    Given later the ledger records:
      | date       | event                        | key                    | details       |
      | 2025-05-01 | export control items added   | cn-rare-earths-2025-04 | items gallium |
      | 2025-06-01 | export control items removed | cn-rare-earths-2025-04 | items gallium |
    When I record an export control items removed of cn-rare-earths-2025-04 on 2025-05-15 with items gallium
    Then the recording is refused, saying "it would make the"
    And the refusal also says "of 2025-06-01"

  Scenario Outline: Licences are approved only once the control has taken effect
    When I record a licences approved of cn-rare-earths-2025-04 on <day> with count 3; sectors robotics
    Then <outcome>

    Examples:
      | day        | outcome                                                                         |
      | 2025-04-03 | the recording is refused, saying "the control takes effect only on 2025-04-04" |
      | 2025-04-04 | it is recorded                                                                  |

  Scenario Outline: Nothing may be dated after a lift
    Given later the ledger records:
      | date       | event                 | key                    | details |
      | 2025-07-01 | export control lifted | cn-rare-earths-2025-04 |         |
    When I record a licences approved of cn-rare-earths-2025-04 on <day>
    Then <outcome>

    Examples:
      | day        | outcome                                                                                        |
      | 2025-06-30 | it is recorded                                                                                 |
      | 2025-07-02 | the recording is refused, saying "nothing may follow: cn-rare-earths-2025-04 was lifted on 2025-07-01" |

  Scenario: Reinstating a control that is not suspended is refused
    When I record an export control reinstated of cn-rare-earths-2025-04 on 2025-06-01
    Then the recording is refused, saying "no suspension applies that day"

  Scenario: A suspension under a truce must name a truce in the ledger
    When I record an export control suspended of cn-rare-earths-2025-04 on 2025-05-14 with truce geneva-2025
    Then the recording is refused, saying "no truce 'geneva-2025' in the ledger or in this import"

  Scenario Outline: The status of a control through announcement, a suspension under a truce, and its lift
    Given later the ledger records:
      | date       | event                    | key                    | details                                          |
      | 2025-05-12 | truce agreed             | geneva-2025            | parties US and CN; effective 2025-05-14; days 90 |
      | 2025-05-14 | export control suspended | cn-rare-earths-2025-04 | truce geneva-2025                                |
      | 2025-09-01 | export control lifted    | cn-rare-earths-2025-04 |                                                  |
    When I read the export controls as of <day>
    Then the export control cn-rare-earths-2025-04 <shown>

    Examples:
      | day        | shown                                              |
      | 2025-04-01 | is not listed                                      |
      | 2025-04-02 | is announced since 2025-04-02                      |
      | 2025-04-03 | is announced since 2025-04-02                      |
      | 2025-04-04 | is in force since 2025-04-04                       |
      | 2025-05-13 | is in force since 2025-04-04                       |
      | 2025-05-14 | is suspended since 2025-05-14 until 2025-08-12     |
      | 2025-08-11 | is suspended since 2025-05-14 until 2025-08-12     |
      | 2025-08-12 | is in force since 2025-08-12                       |
      | 2025-09-01 | is not listed                                      |

  Scenario Outline: A suspension dated before the control takes effect applies from its first day
    Given later the ledger records:
      | date       | event                    | key                    | details          |
      | 2025-04-03 | export control suspended | cn-rare-earths-2025-04 | until 2025-05-01 |
    When I read the export controls as of <day>
    Then the export control cn-rare-earths-2025-04 <shown>

    Examples:
      | day        | shown                                          |
      | 2025-04-03 | is announced since 2025-04-02                  |
      | 2025-04-04 | is suspended since 2025-04-04 until 2025-05-01 |
      | 2025-05-01 | is in force since 2025-05-01                   |

  Scenario: Items added and removed change what is controlled
    Given later the ledger records:
      | date       | event                        | key                    | details                    |
      | 2025-05-01 | export control items added   | cn-rare-earths-2025-04 | items gallium and germanium |
      | 2025-06-01 | export control items removed | cn-rare-earths-2025-04 | items samarium             |
    When I read the export controls as of 2025-06-01
    Then the export control cn-rare-earths-2025-04 controls exactly terbium, dysprosium, gallium and germanium
