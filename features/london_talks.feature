Feature: The London talks of 9 June 2025
  Senior US and Chinese officials convened in London on Monday 9 June 2025, a month after the
  Geneva truce, to get rare earths flowing again. An analyst who has recorded the talks and their
  backstory (the tariffs since February, China's rare-earth controls of 4 April, the Geneva truce
  and the accusations both sides traded) reads what stood the day after the talks convened.

  Background:
    Given the London talks ledger

  Scenario: The London round convened with both delegations
    When I read the negotiations as of 2025-06-10
    Then the round london-2025-06 of us-cn-trade-2025 convened on 2025-06-09 in "London (Lancaster House)"
    And the US delegation to the round london-2025-06 includes Scott Bessent, Howard Lutnick and Jamieson Greer
    And the Chinese delegation to the round london-2025-06 is led by He Lifeng, Vice Premier
    And the round london-2025-06 followed the round geneva-2025-05 of 2025-05-10

  Scenario: Kevin Hassett expected the rare-earth controls to be eased
    When I read the negotiations as of 2025-06-10
    Then Kevin Hassett of the US stated an expectation on 2025-06-09: "ease its export controls on rare earths"
    And the leaders of the US and China spoke by call on 2025-06-05

  Scenario: The Geneva truce is in force, accused of violations by both sides
    When I read the truces as of 2025-06-10
    Then the truce geneva-2025 is in force, expiring 2025-08-12 with 63 days remaining
    And the truce geneva-2025 took effect on 2025-05-14
    And the truce geneva-2025 has an allegation by the US against China on 2025-05-30
    And the truce geneva-2025 has an allegation by China against the US on 2025-06-02

  Scenario: China's rare-earth controls are in force, with licences approved in unknown number
    When I read the export controls as of 2025-06-10
    Then the export control cn-rare-earths-2025-04 is in force since 2025-04-04
    And the export control cn-rare-earths-2025-04 of China requires a licence for dysprosium, terbium and yttrium
    And the export control cn-rare-earths-2025-04 has 1 approval of licences, their number unknown

  Scenario: US tariffs on China total 30% and China's tariffs on the US 10%
    When I read the tariffs as of 2025-06-10
    Then US tariffs on China total 30%
    And China's tariffs on the US total 10%
    And the tariff us-ieepa-fentanyl-cn is in force at 20%
    And the tariff us-ieepa-reciprocal-cn is suspended at 10%
    And the tariff us-ieepa-reciprocal-cn has a base rate of 34% with 24 points suspended until 2025-08-12
    And the tariff cn-reciprocal-us has a base rate of 34% with 24 points suspended until 2025-08-12

  Scenario: Trade fell in May
    When I read the trade flows as of 2025-06-10
    Then China's exports to the US in 2025-05 fell 34.5% on a year earlier, to 28.8 billion dollars
    And China's imports from the US in 2025-05 fell 18.1% on a year earlier, to 10.8 billion dollars

  Scenario Outline: The US total on China through the trade war
    When I read the tariffs as of <day>
    Then US tariffs on China total <US total>%

    Examples:
      | day        | US total |
      | 2025-02-04 | 10       |
      | 2025-03-04 | 20       |
      | 2025-04-05 | 30       |
      | 2025-04-09 | 104      |
      | 2025-04-10 | 145      |
      | 2025-05-13 | 145      |
      | 2025-05-14 | 30       |
      | 2025-06-10 | 30       |

  Scenario: Before the counter-tariffs took effect, China's tariffs on all US goods were only announced
    When I read the tariffs as of 2025-04-09
    Then the tariff cn-reciprocal-us is announced
    And there is no total of China's tariffs on the US

  Scenario: On 10 April the US total on China reached 145%
    When I read the tariffs as of 2025-04-10
    Then US tariffs on China total 145%
    And China's tariffs on the US total 84%
    And the tariff us-ieepa-reciprocal-cn is in force at 125% since 2025-04-10
