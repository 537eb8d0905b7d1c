Feature: Reading the ledger as a report
  An analyst hands colleagues a report of one day: the tariffs and export controls in force, where
  the truces and the talks stood, what was said and what changed in the last 30 days, and where
  each fact comes from. The same report can be read as the ledger knew it at an earlier moment.

  Background:
    Given the London talks ledger

  Scenario: The report of the day after the London talks convened
    When I write the report as of 2025-06-10
    Then the report is as of 2025-06-10, as known at the head of the ledger
    And the report puts the tariff of the US on China at 30% on all goods
    And the report puts the tariff of China on the US at 10% on all goods
    And the report shows 24 points of us-ieepa-reciprocal-cn suspended until 2025-08-12
    And the report counts 63 days remaining in the truce geneva-2025, expiring 2025-08-12
    And the report shows the London round with Scott Bessent, Howard Lutnick and Jamieson Greer for the US
    And the report shows the London round with He Lifeng and Wang Wentao for China
    And the report quotes Kevin Hassett's expectation among the statements of the last 30 days
    And the report shows China's exports to the US down 34.5% in 2025-05
    And the report names the sources of every tariff layer

  Scenario Outline: The Geneva truce as known before and after its extension
    When I write the report as of 2025-08-12 as known <when>
    Then the report counts <days> days remaining in the truce geneva-2025, expiring <expiry>
    And the report puts the tariff of the US on China at <rate>% on all goods

    Examples:
      | when                                   | days | expiry     | rate |
      | just before the extension was recorded | 0    | 2025-08-12 | 54   |
      | now                                    | 90   | 2025-11-10 | 30   |
