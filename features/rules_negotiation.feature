Feature: The rules of a negotiation
  A negotiation is a track of talks between parties: rounds convene and conclude, leaders speak,
  parties state positions, agreements are reached, and the track may be closed.

  Background:
    Given the ledger records:
      | date       | event              | key              | details                                                                            |
      | 2025-05-10 | negotiation opened | us-cn-trade-2025 | parties US and CN; title US–China economic and trade talks                        |
      | 2025-06-09 | round convened     | us-cn-trade-2025 | round london-2025-06; location London; delegations US Scott Bessent (Treasury Secretary), CN He Lifeng (Vice Premier) |

  Scenario: A round convenes once
    When I record a round convened of us-cn-trade-2025 on 2025-06-20 with round london-2025-06; location London
    Then the recording is refused, saying "round london-2025-06 already convened on 2025-06-09"

  Scenario Outline: A round concludes on or after the day it convened
    When I record a round concluded of us-cn-trade-2025 on <day> with round london-2025-06; outcome a framework agreed
    Then <outcome>

    Examples:
      | day        | outcome                                                                              |
      | 2025-06-08 | the recording is refused, saying "round london-2025-06 has not convened by 2025-06-08" |
      | 2025-06-09 | it is recorded                                                                       |
      | 2025-06-10 | it is recorded                                                                       |

  Scenario: A round concludes once
    Given later the ledger records:
      | date       | event           | key              | details              |
      | 2025-06-10 | round concluded | us-cn-trade-2025 | round london-2025-06 |
    When I record a round concluded of us-cn-trade-2025 on 2025-06-11 with round london-2025-06
    Then the recording is refused, saying "round london-2025-06 already concluded on 2025-06-10"

  Scenario: Delegates speak for parties to the negotiation
    When I record a round convened of us-cn-trade-2025 on 2025-07-28 with round stockholm-2025-07; location Stockholm; delegations US Scott Bessent, JP Ryosei Akazawa
    Then the recording is refused, saying "JP is not a party to the negotiation (US, CN)"

  Scenario Outline: Positions are stated by parties to the negotiation
    When I record a position stated of us-cn-trade-2025 on 2025-06-09 with party <party>; speaker <speaker>; stance expectation; statement rare earths released in volume
    Then <outcome>

    Examples:
      | party | speaker        | outcome                                                                         |
      | US    | Kevin Hassett  | it is recorded                                                                  |
      | GB    | Keir Starmer   | the recording is refused, saying "GB is not a party to the negotiation (US, CN)" |

  Scenario: An agreement tied to a truce must name a truce in the ledger
    When I record an agreement reached of us-cn-trade-2025 on 2025-05-12 with title Geneva joint statement; truce geneva-2025
    Then the recording is refused, saying "no truce 'geneva-2025' in the ledger or in this import"

  Scenario: Nothing is recorded of a negotiation before it opened
    When I record a leaders spoke of us-cn-trade-2025 on 2025-05-09 with mode call; participants US Donald Trump (President), CN Xi Jinping (President)
    Then the recording is refused, saying "it is dated before us-cn-trade-2025 began on 2025-05-10"

  Scenario Outline: Nothing may be dated after the negotiation closed
    Given later the ledger records:
      | date       | event              | key              | details             |
      | 2025-07-01 | negotiation closed | us-cn-trade-2025 | outcome talks ended |
    When I record a position stated of us-cn-trade-2025 on <day> with party CN; speaker He Lifeng; stance assessment; statement the talks were candid
    Then <outcome>

    Examples:
      | day        | outcome                                                                                       |
      | 2025-06-30 | it is recorded                                                                                |
      | 2025-07-02 | the recording is refused, saying "nothing may follow: us-cn-trade-2025 was closed on 2025-07-01" |

  Scenario: An event that would make a later one invalid is refused: closing back-filled before a recorded conclusion
    Given later the ledger records:
      | date       | event           | key              | details              |
      | 2025-06-10 | round concluded | us-cn-trade-2025 | round london-2025-06 |
    When I record a negotiation closed of us-cn-trade-2025 on 2025-06-09
    Then the recording is refused, saying "it would make the"
    And the refusal also says "of 2025-06-10"

  Scenario Outline: A round shows as concluded only from the day it concluded
    Given later the ledger records:
      | date       | event           | key              | details                                         |
      | 2025-06-10 | round concluded | us-cn-trade-2025 | round london-2025-06; outcome a framework agreed |
    When I read the negotiations as of <day>
    Then the round london-2025-06 <shown>

    Examples:
      | day        | shown                                                  |
      | 2025-06-08 | is not listed                                          |
      | 2025-06-09 | convened on 2025-06-09 and has not concluded           |
      | 2025-06-10 | concluded on 2025-06-10: "a framework agreed"          |
