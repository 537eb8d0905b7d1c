Feature: Recording events
  Analysts record what happens between states from files of events, one line an event, or one
  event at a time from the command line. Every event is checked before anything is written:
  a file is recorded whole or not at all.

  Scenario: Importing the example ledger records every event
    Given an empty ledger
    When I import the example ledger
    Then 36 events are recorded, at positions 1 to 36
    And the log holds 36 events

  Scenario: Importing the same file again records nothing new
    Given the London talks ledger
    When I import the example ledger
    Then nothing new is recorded, and 36 events already in the ledger are skipped
    And the log holds 36 events

  Scenario Outline: A file with one bad line records nothing and says where
    Given an empty ledger
    When I import the file "april.jsonl" holding:
      | date       | event          | key              | details                          |
      | 2025-04-05 | tariff imposed | us-reciprocal-cn | imposer US; target CN; rate 10%  |
      | 2025-04-10 | tariff imposed | cn-reciprocal-us | imposer CN; target US; rate 34%  |
      | <date>     | tariff imposed | us-extra-cn      | <details>                        |
    Then the import is refused, naming line 3 of april.jsonl and the field <field>
    And the log holds 0 events

    Examples:
      | date       | details                                    | field    |
      | 2025-04-12 | imposer US; target CN; rate -5%            | rate_pct |
      | 2025-04-12 | imposer XX; target CN; rate 5%             | imposer  |
      | 2025-02-30 | imposer US; target CN; rate 5%             | date     |
      | 2025-04-12 | imposer US; target CN; rate 5%; colour red | colour   |
      | 2025-04-12 | imposer US; target CN                      | rate_pct |

  Scenario: A line that breaks a rule records nothing and names its line
    Given an empty ledger
    When I import the file "truce.jsonl" holding:
      | date       | event          | key         | details                                       |
      | 2025-05-12 | truce agreed   | geneva-2025 | parties US and CN; effective 2025-05-14; days 90 |
      | 2025-08-12 | truce extended | geneva-2025 | expires 2025-11-10                            |
    Then the import is refused, naming line 2 of truce.jsonl
    And the log holds 0 events

  Scenario: Recording one event with a typed command
    Given the London talks ledger
    When I run dipledger truce allege-violation geneva-2025 --date 2025-06-20 --by CN --against US --claim "New US restrictions on chip-design software"
    Then it is recorded
    And the log holds 37 events
    And as of 2025-06-20 the truce geneva-2025 has 3 allegations, the last by China against the US

  Scenario: Extending a truce with a typed command
    Given the ledger records:
      | date       | event        | key         | details                                          |
      | 2025-05-12 | truce agreed | geneva-2025 | parties US and CN; effective 2025-05-14; days 90 |
    When I run dipledger truce extend geneva-2025 --date 2025-08-11 --expires 2025-11-10
    Then it is recorded
    And as of 2025-09-01 the truce geneva-2025 is in force until 2025-11-10

  Scenario: Events of one measure are applied in date order within one import, whatever their order in the file
    Given an empty ledger
    When I import the file "reciprocal.jsonl" holding:
      | date       | event               | key              | details                                    |
      | 2025-05-20 | tariff reinstated   | us-reciprocal-cn |                                            |
      | 2025-05-14 | tariff suspended    | us-reciprocal-cn | points 24; until 2025-08-12                |
      | 2025-05-14 | tariff rate changed | us-reciprocal-cn | rate 34%                                   |
      | 2025-04-10 | tariff rate changed | us-reciprocal-cn | rate 125%                                  |
      | 2025-04-05 | tariff imposed      | us-reciprocal-cn | imposer US; target CN; rate 10%            |
    Then 5 events are recorded, at positions 1 to 5
    And the history of us-reciprocal-cn lists, in record order:
      | date       | event               |
      | 2025-04-05 | tariff imposed      |
      | 2025-04-10 | tariff rate changed |
      | 2025-05-14 | tariff suspended    |
      | 2025-05-14 | tariff rate changed |
      | 2025-05-20 | tariff reinstated   |
