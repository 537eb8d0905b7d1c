Feature: Tariff law: what one good pays, and why
  A tariff layer covers goods by HS code (or all goods), falls on one country, the EU's members or
  every country, and stacks on the others: unless it is all-inclusive (it tops the good's MFN rate
  up to its own), or spares goods that a layer of another program already covers. An analyst asks
  what rate one good from one country paid on a day, as known at a moment, with every layer that
  names the pair and why it applies or not; and the trade-weighted level of a partner, on a day or
  as a series. The US regime of 2025 gives the worked cases. A good's MFN rate comes from the US
  imports of 2024: duty collected ÷ value.

  Rule: Canada, 7 March 2025: 25% on all goods, energy and potash 10% instead, USMCA-qualifying goods exempt

    Background:
      Given the US imports of 2024, by partner and good:
        | partner | HS code    | imports USD | duty USD |
        | CA      | 2709000000 | 300         | 0        |
        | CA      | 8703230000 | 100         | 2.5      |
      And the ledger records:
        | date       | event                | key                         | details                                                                                                 |
        | 2025-03-04 | tariff imposed       | us-ieepa-fentanyl-ca        | imposer US; target CA; rate 25%; announced 2025-02-01; program us-ieepa-fentanyl; exempt_hs 27 and 3104 |
        | 2025-03-04 | tariff imposed       | us-ieepa-fentanyl-ca-energy | imposer US; target CA; rate 10%; announced 2025-02-01; program us-ieepa-fentanyl; hs 27 and 3104        |
        | 2025-03-07 | tariff scope changed | us-ieepa-fentanyl-ca        | exempt_share_pct 62                                                                                     |
        | 2025-03-07 | tariff scope changed | us-ieepa-fentanyl-ca-energy | exempt_share_pct 62                                                                                     |

    Scenario: A Canadian car on 7 March pays the full 25% on its 2.5% MFN rate, the USMCA share shown beside it
      When I ask the US rate on HS 8703.23 from Canada as of 2025-03-07
      Then the good pays 27.5% in all: 25% added to a base of 2.5%
      And the layers are:
        | layer                       | rate | applies | adds | USMCA share | why                              |
        | us-ieepa-fentanyl-ca        | 25%  | yes     | 25%  | 62%         | applies                          |
        | us-ieepa-fentanyl-ca-energy | 10%  | no      | 0%   | 62%         | not covered: outside hs 27, 3104 |

    Scenario: Canadian crude oil pays 10% instead of 25%
      When I ask the US rate on HS 2709.00 from Canada as of 2025-03-07
      Then the good pays 10% in all: 10% added to a base of 0%
      And the layers are:
        | layer                       | rate | applies | adds | why             |
        | us-ieepa-fentanyl-ca        | 25%  | no      | 0%   | exempt: hs (27) |
        | us-ieepa-fentanyl-ca-energy | 10%  | yes     | 10%  | applies         |

    Scenario Outline: Canadian goods around 4 March
      When I ask the US rate on HS <good> from Canada as of <day>
      Then the good pays <total>% in all
      And the layer <layer> <verdict>

      Examples:
        | good    | day        | total | layer                       | verdict                                               |
        | 8703.23 | 2025-03-03 | 2.5   | us-ieepa-fentanyl-ca        | does not apply, because "announced, not in force yet" |
        | 8703.23 | 2025-03-04 | 27.5  | us-ieepa-fentanyl-ca        | applies at 25%, adding 25%                            |
        | 3104.20 | 2025-03-04 | 10    | us-ieepa-fentanyl-ca        | does not apply, because "exempt: hs (3104)"           |
        | 3104.20 | 2025-03-07 | 10    | us-ieepa-fentanyl-ca-energy | applies at 10%, adding 10%                            |

    Scenario Outline: Canada's trade-weighted level counts only the share of trade that does not qualify under USMCA
      When I read the US tariff levels on Canada as of <day>
      Then the level on Canada is <added>% added to a base of 0.625% on 400 USD of imports

      Examples:
        | day        | added | note                                               |
        | 2025-03-03 | 0     | nothing in force yet                               |
        | 2025-03-04 | 13.75 | (300 × 10% + 100 × 25%) ÷ 400                      |
        | 2025-03-06 | 13.75 | the day before the USMCA exemption                 |
        | 2025-03-07 | 5.225 | 13.75% × (1 − 62 ÷ 100): only non-qualifying trade |

  Rule: Reciprocal tariffs from 5 April: 10% on every country or a country's own rate, Annex II goods and Section 232 goods spared, electronics exempt from 11 April

    Background:
      Given the product list us-eo14257-annex-ii, "EO 14257 Annex II", takes effect on 2025-04-05 with the HS codes:
        | HTSUS      |
        | 2709.00.00 |
        | 3004       |
        | 8541       |
      And the ledger records:
        | date       | event                | key                    | details                                                                                                                                      |
        | 2025-02-04 | tariff imposed       | us-ieepa-fentanyl-cn   | imposer US; target CN; rate 10%; program us-ieepa-fentanyl                                                                                   |
        | 2025-03-04 | tariff rate changed  | us-ieepa-fentanyl-cn   | rate 20%                                                                                                                                     |
        | 2025-03-12 | tariff imposed       | us-s232-steel          | imposer US; target *; rate 25%; hs 72 and 73; announced 2025-02-10                                                                           |
        | 2025-04-05 | tariff imposed       | us-ieepa-reciprocal    | imposer US; target *; rate 10%; announced 2025-04-02; exempt_lists us-eo14257-annex-ii; exempt_targets CA, MX and CN; not_with us-s232-steel |
        | 2025-04-05 | tariff imposed       | us-ieepa-reciprocal-cn | imposer US; target CN; rate 10%; announced 2025-04-02; program us-ieepa-reciprocal; exempt_lists us-eo14257-annex-ii; not_with us-s232-steel |
        | 2025-04-09 | tariff rate changed  | us-ieepa-reciprocal-cn | rate 84%                                                                                                                                     |
        | 2025-04-10 | tariff rate changed  | us-ieepa-reciprocal-cn | rate 125%                                                                                                                                    |
        | 2025-04-11 | tariff scope changed | us-ieepa-reciprocal    | exempt_hs 8471 and 8517.13; exempt_lists us-eo14257-annex-ii                                                                                 |
        | 2025-04-11 | tariff scope changed | us-ieepa-reciprocal-cn | exempt_hs 8471 and 8517.13; exempt_lists us-eo14257-annex-ii                                                                                 |

    Scenario: A phone from China on 12 April pays the 20% fentanyl layer only
      When I ask the US rate on HS 8517.13 from China as of 2025-04-12
      Then the good pays 20% in all: 20% added to a base of 0%
      And the layers are:
        | layer                  | rate | applies | adds | why                            |
        | us-ieepa-fentanyl-cn   | 20%  | yes     | 20%  | applies                        |
        | us-ieepa-reciprocal    | 10%  | no      | 0%   | exempt: target CN              |
        | us-ieepa-reciprocal-cn | 125% | no      | 0%   | exempt: hs (851713)            |
        | us-s232-steel          | 25%  | no      | 0%   | not covered: outside hs 72, 73 |

    Scenario Outline: The same phone from China paid more before the electronics exemption of 11 April
      When I ask the US rate on HS 8517.13.00 from China as of <day>
      Then the good pays <total>% in all
      And the layer us-ieepa-reciprocal-cn <verdict>

      Examples:
        | day        | total | verdict                                               |
        | 2025-04-04 | 20    | does not apply, because "announced, not in force yet" |
        | 2025-04-05 | 30    | applies at 10%, adding 10%                            |
        | 2025-04-09 | 104   | applies at 84%, adding 84%                            |
        | 2025-04-10 | 145   | applies at 125%, adding 125%                          |
        | 2025-04-11 | 20    | does not apply, because "exempt: hs (851713)"         |

    Scenario Outline: What goods from around the world pay on 12 April, and why the reciprocal tariff applies or not
      When I ask the US rate on HS <good> from <partner> as of 2025-04-12
      Then the good pays <total>% in all
      And the layer us-ieepa-reciprocal <verdict>

      Examples:
        | good       | partner | total | verdict                                                    |
        | 9503.00    | Vietnam | 10    | applies at 10%, adding 10%                                 |
        | 8517.13    | Vietnam | 0     | does not apply, because "exempt: hs (851713)"              |
        | 8471.30    | Vietnam | 0     | does not apply, because "exempt: hs (8471)"                |
        | 3004.90    | Japan   | 0     | does not apply, because "exempt: list us-eo14257-annex-ii" |
        | 2709.00.00 | Norway  | 0     | does not apply, because "exempt: list us-eo14257-annex-ii" |
        | 7208.10    | Japan   | 25    | does not apply, because "not with us-s232-steel"           |
        | 9503.00    | Mexico  | 0     | does not apply, because "exempt: target MX"                |
        | 9503.00    | China   | 145   | does not apply, because "exempt: target CN"                |

  Rule: Section 232 steel and aluminium: 25% from 12 March on every country, 50% from 4 June, the UK kept at 25%

    Background:
      Given the ledger records:
        | date       | event                | key                  | details                                                                                                    |
        | 2025-03-12 | tariff imposed       | us-s232-steel        | imposer US; target *; rate 25%; hs 72 and 73; announced 2025-02-10                                         |
        | 2025-03-12 | tariff imposed       | us-s232-aluminium    | imposer US; target *; rate 25%; hs 76; announced 2025-02-10                                                |
        | 2025-04-05 | tariff imposed       | us-ieepa-reciprocal  | imposer US; target *; rate 10%; exempt_targets CA, MX and CN; not_with us-s232-steel and us-s232-aluminium |
        | 2025-06-04 | tariff rate changed  | us-s232-steel        | rate 50%                                                                                                   |
        | 2025-06-04 | tariff rate changed  | us-s232-aluminium    | rate 50%                                                                                                   |
        | 2025-06-04 | tariff scope changed | us-s232-steel        | exempt_targets UK                                                                                          |
        | 2025-06-04 | tariff scope changed | us-s232-aluminium    | exempt_targets UK                                                                                          |
        | 2025-06-04 | tariff imposed       | us-s232-steel-uk     | imposer US; target UK; rate 25%; hs 72 and 73; program us-s232-steel                                       |
        | 2025-06-04 | tariff imposed       | us-s232-aluminium-uk | imposer US; target UK; rate 25%; hs 76; program us-s232-aluminium                                          |

    Scenario Outline: Steel and aluminium by day and country; the reciprocal tariff does not stack on them
      When I ask the US rate on HS <good> from <partner> as of <day>
      Then the good pays <total>% in all

      Examples:
        | good    | partner            | day        | total |
        | 7208.10 | Japan              | 2025-03-11 | 0     |
        | 7208.10 | Japan              | 2025-03-12 | 25    |
        | 7208.10 | Japan              | 2025-04-05 | 25    |
        | 7208.10 | Japan              | 2025-06-03 | 25    |
        | 7208.10 | Japan              | 2025-06-04 | 50    |
        | 7601.10 | Brazil             | 2025-06-04 | 50    |
        | 7208.10 | the UK             | 2025-06-03 | 25    |
        | 7208.10 | the UK             | 2025-06-04 | 25    |
        | 7601.10 | the United Kingdom | 2025-06-04 | 25    |
        | 9503.00 | the UK             | 2025-06-04 | 10    |

    Scenario: British steel on 4 June: the 50% layer spares the UK, its own 25% layer applies, the reciprocal tariff does not
      When I ask the US rate on HS 7208.10 from the UK as of 2025-06-04
      Then the good pays 25% in all: 25% added to a base of 0%
      And the layers are:
        | layer                | rate | applies | adds | why                        |
        | us-ieepa-reciprocal  | 10%  | no      | 0%   | not with us-s232-steel     |
        | us-s232-aluminium    | 50%  | no      | 0%   | exempt: target GB          |
        | us-s232-aluminium-uk | 25%  | no      | 0%   | not covered: outside hs 76 |
        | us-s232-steel        | 50%  | no      | 0%   | exempt: target GB          |
        | us-s232-steel-uk     | 25%  | yes     | 25%  | applies                    |

  Rule: The EU from 7 August: 15% all-inclusive, the MFN rate counted in it

    Background:
      Given the US imports of 2024, by partner and good:
        | partner | HS code    | imports USD | duty USD |
        | EU      | 0401100000 | 100         | 4        |
        | EU      | 0402100000 | 100         | 20       |
        | EU      | 7208100000 | 200         | 0        |
      And the ledger records:
        | date       | event                | key                    | details                                                                                                                        |
        | 2025-03-12 | tariff imposed       | us-s232-steel          | imposer US; target *; rate 25%; hs 72 and 73                                                                                   |
        | 2025-04-05 | tariff imposed       | us-ieepa-reciprocal    | imposer US; target *; rate 10%; exempt_targets CA, MX and CN; not_with us-s232-steel                                           |
        | 2025-06-04 | tariff rate changed  | us-s232-steel          | rate 50%                                                                                                                       |
        | 2025-08-07 | tariff scope changed | us-ieepa-reciprocal    | exempt_targets CA, MX, CN and EU                                                                                               |
        | 2025-08-07 | tariff imposed       | us-ieepa-reciprocal-eu | imposer US; target EU; rate 15%; announced 2025-07-31; program us-ieepa-reciprocal; includes_base true; not_with us-s232-steel |

    Scenario: Milk from Germany with a 4% MFN rate pays 15% in all, under the EU-wide layer
      When I ask the US rate on HS 0401.10 from Germany as of 2025-08-07
      Then the good pays 15% in all: 11% added to a base of 4%
      And the layers are:
        | layer                  | rate | applies | adds | why                                          |
        | us-ieepa-reciprocal    | 10%  | no      | 0%   | exempt: target EU                            |
        | us-ieepa-reciprocal-eu | 15%  | yes     | 11%  | applies: 15% all-inclusive over a base of 4% |
        | us-s232-steel          | 50%  | no      | 0%   | not covered: outside hs 72, 73               |

    Scenario Outline: Goods from the EU before and after the deal: nothing is added where the MFN rate is 15% or more
      When I ask the US rate on HS <good> from <partner> as of <day>
      Then the good pays <total>% in all: <added>% added to a base of <base>%

      Examples:
        | good    | partner | day        | base | added | total |
        | 0401.10 | Germany | 2025-08-06 | 4    | 10    | 14    |
        | 0401.10 | Germany | 2025-08-07 | 4    | 11    | 15    |
        | 0402.10 | France  | 2025-08-07 | 20   | 0     | 20    |
        | 7208.10 | Italy   | 2025-08-07 | 0    | 50    | 50    |
        | 0401.10 | the EU  | 2025-08-07 | 4    | 11    | 15    |

    Scenario: The EU's trade-weighted level on 7 August
      When I read the US tariff levels as of 2025-08-07
      Then the levels are:
        | partner | imports USD | added | base | total |
        | EU      | 400         | 27.75 | 6    | 33.75 |
        | all     | 400         | 27.75 | 6    | 33.75 |

    Scenario: The EU's trade-weighted level through 2025, a row for each day it changes
      When I read the US tariff levels on the EU from 2025-01-01 to 2025-12-31
      Then the series on the EU is:
        | date       | added | why it changed                                             |
        | 2025-01-01 | 0     | nothing in force                                           |
        | 2025-03-12 | 12.5  | 25% on steel, half the trade                               |
        | 2025-04-05 | 17.5  | and 10% on the rest                                        |
        | 2025-06-04 | 30    | steel at 50%                                               |
        | 2025-08-07 | 27.75 | 15% all-inclusive on milk and milk powder: 11 and 0 points |

  Rule: China, 10 November 2025: the fentanyl tariff falls from 20% to 10% under the November truce

    Background:
      Given the ledger records:
        | date       | event               | key                  | details                                                    |
        | 2025-02-04 | tariff imposed      | us-ieepa-fentanyl-cn | imposer US; target CN; rate 10%; program us-ieepa-fentanyl |
        | 2025-03-04 | tariff rate changed | us-ieepa-fentanyl-cn | rate 20%                                                   |
      And I note the position as "before the November truce"
      And later the ledger records:
        | date       | event            | key                  | details                                           |
        | 2025-11-01 | truce agreed     | busan-2025           | parties US and CN; effective 2025-11-10; days 365 |
        | 2025-11-10 | tariff suspended | us-ieepa-fentanyl-cn | points 10; truce busan-2025                       |

    Scenario Outline: A Chinese toy, as known before and after the truce was recorded
      When I ask the US rate on HS 9503.00 from China as of <day> as known at <known>
      Then the good pays <total>% in all
      And the layer us-ieepa-fentanyl-cn <verdict>

      Examples:
        | day        | known                       | total | verdict                                                        |
        | 2025-11-09 | now                         | 20    | applies at 20%, adding 20%                                     |
        | 2025-11-10 | "before the November truce" | 20    | applies at 20%, adding 20%                                     |
        | 2025-11-10 | now                         | 10    | applies at 10%, adding 10%, because "applies (part suspended)" |
        | 2026-11-09 | now                         | 10    | applies at 10%, adding 10%, because "applies (part suspended)" |
        | 2026-11-10 | now                         | 20    | applies at 20%, adding 20%, because "applies"                  |

  Rule: Trade-weighted levels are bitemporal: a series as known at a moment

    Background:
      Given the US imports of 2024, by partner and good:
        | partner | HS code    | imports USD | duty USD |
        | CN      | 9503000000 | 100         | 0        |
      And the ledger records:
        | date       | event               | key              | details                                          |
        | 2025-04-10 | tariff imposed      | us-reciprocal-cn | imposer US; target CN; rate 125%                 |
        | 2025-05-12 | truce agreed        | geneva-2025      | parties US and CN; effective 2025-05-14; days 90 |
        | 2025-05-14 | tariff rate changed | us-reciprocal-cn | rate 34%                                         |
        | 2025-05-14 | tariff suspended    | us-reciprocal-cn | points 24; truce geneva-2025                     |
      And I note the position as "before the extension"
      And later the ledger records:
        | date       | event          | key         | details            |
        | 2025-08-11 | truce extended | geneva-2025 | expires 2025-11-10 |

    Scenario: Before the Geneva extension was known, China's level rose again on 12 August
      When I read the US tariff levels on China from 2025-01-01 to 2025-12-31 as known at "before the extension"
      Then the series on China is:
        | date       | added | why it changed                       |
        | 2025-01-01 | 0     | nothing in force                     |
        | 2025-04-10 | 125   | the reciprocal rate on China         |
        | 2025-05-14 | 10    | 34% with 24 points suspended         |
        | 2025-08-12 | 34    | the truce expired after 90 days      |

    Scenario: Once the extension is known, China's level stays at 10% until 10 November
      When I read the US tariff levels on China from 2025-01-01 to 2025-12-31
      Then the series on China is:
        | date       | added | why it changed                       |
        | 2025-01-01 | 0     | nothing in force                     |
        | 2025-04-10 | 125   | the reciprocal rate on China         |
        | 2025-05-14 | 10    | 34% with 24 points suspended         |
        | 2025-11-10 | 34    | the extended truce expired           |

  Rule: A layer may end on its own, take effect before it is published, and follow a list amended later

    Scenario Outline: A surcharge imposed for 150 days lapses on its own
      Given the ledger records:
        | date       | event          | key                   | details                                         |
        | 2025-02-01 | tariff imposed | us-surcharge-150-days | imposer US; target *; rate 15%; ends 2025-07-01 |
      When I ask the US rate on HS 9503.00 from Vietnam as of <day>
      Then the good pays <total>% in all
      And the layer us-surcharge-150-days <verdict>

      Examples:
        | day        | total | verdict                                           |
        | 2025-01-31 | 0     | is not named                                      |
        | 2025-02-01 | 15    | applies at 15%, adding 15%                        |
        | 2025-06-30 | 15    | applies at 15%, adding 15%                        |
        | 2025-07-01 | 0     | does not apply, because "lifted since 2025-07-01" |

    Scenario Outline: Nothing may be recorded of a layer from the day it ends
      Given the ledger records:
        | date       | event          | key                   | details                                         |
        | 2025-02-01 | tariff imposed | us-surcharge-150-days | imposer US; target *; rate 15%; ends 2025-07-01 |
      When I record a tariff rate changed of us-surcharge-150-days on <day> with rate 20%
      Then <outcome>

      Examples:
        | day        | outcome                                                          |
        | 2025-06-30 | it is recorded                                                   |
        | 2025-07-01 | the recording is refused, saying "the layer ended on 2025-07-01" |

    Scenario Outline: Japan's all-inclusive 15%, published on 4 September, counts from 7 August once recorded
      Given the US imports of 2024, by partner and good:
        | partner | HS code    | imports USD | duty USD |
        | JP      | 8703230000 | 100         | 2.5      |
      And the ledger records:
        | date       | event                | key                    | details                                                                            |
        | 2025-04-05 | tariff imposed       | us-ieepa-reciprocal    | imposer US; target *; rate 10%                                                     |
        | 2025-08-07 | tariff scope changed | us-ieepa-reciprocal    | exempt_targets JP                                                                  |
        | 2025-08-07 | tariff imposed       | us-ieepa-reciprocal-jp | imposer US; target JP; rate 15%; announced 2025-07-31; program us-ieepa-reciprocal |
      And I note the position as "before the order of 4 September"
      And later the ledger records:
        | date       | event          | key                              | details                                                                                                |
        | 2025-08-07 | tariff lifted  | us-ieepa-reciprocal-jp           | announced 2025-09-04                                                                                   |
        | 2025-08-07 | tariff imposed | us-ieepa-reciprocal-jp-inclusive | imposer US; target JP; rate 15%; announced 2025-09-04; program us-ieepa-reciprocal; includes_base true |
      When I ask the US rate on HS 8703.23 from Japan as of <day> as known at <known>
      Then the good pays <total>% in all: <added>% added to a base of 2.5%
      And the layer us-ieepa-reciprocal-jp-inclusive <verdict>

      Examples:
        | day        | known                             | total | added | verdict                                                                                |
        | 2025-08-06 | now                               | 12.5  | 10    | is not named                                                                           |
        | 2025-08-07 | "before the order of 4 September" | 17.5  | 15    | is not named                                                                           |
        | 2025-08-07 | now                               | 15    | 12.5  | applies at 15%, adding 12.5%, because "applies: 15% all-inclusive over a base of 2.5%" |
        | 2025-09-03 | now                               | 15    | 12.5  | applies at 15%, adding 12.5%, because "applies: 15% all-inclusive over a base of 2.5%" |

    Scenario Outline: Coffee and bananas added to Annex II on 14 November are exempt from that day
      Given the product list us-eo14257-annex-ii, "EO 14257 Annex II", takes effect on 2025-04-05 with the HS codes:
        | HTSUS      |
        | 2709.00.00 |
        | 3004       |
      And the ledger records:
        | date       | event          | key                 | details                                                          |
        | 2025-04-05 | tariff imposed | us-ieepa-reciprocal | imposer US; target *; rate 10%; exempt_lists us-eo14257-annex-ii |
      And I note the position as "before the amendment"
      And later the product list us-eo14257-annex-ii, "EO 14257 Annex II", takes effect on 2025-11-14 with the HS codes:
        | HTSUS      |
        | 2709.00.00 |
        | 3004       |
        | 0901       |
        | 0803       |
      When I ask the US rate on HS <good> from <partner> as of <day> as known at <known>
      Then the good pays <total>% in all
      And the layer us-ieepa-reciprocal <verdict>

      Examples:
        | good    | partner  | day        | known                  | total | verdict                                                    |
        | 0901.11 | Colombia | 2025-11-13 | now                    | 10    | applies at 10%, adding 10%                                 |
        | 0901.11 | Colombia | 2025-11-14 | now                    | 0     | does not apply, because "exempt: list us-eo14257-annex-ii" |
        | 0901.11 | Colombia | 2025-11-14 | "before the amendment" | 10    | applies at 10%, adding 10%                                 |
        | 0803.90 | Ecuador  | 2025-11-14 | now                    | 0     | does not apply, because "exempt: list us-eo14257-annex-ii" |
        | 3004.90 | Ireland  | 2025-05-01 | now                    | 0     | does not apply, because "exempt: list us-eo14257-annex-ii" |

    Scenario: Colombia's level falls on the day coffee joins Annex II
      Given the US imports of 2024, by partner and good:
        | partner | HS code    | imports USD | duty USD |
        | CO      | 0901110000 | 300         | 0        |
        | CO      | 0603110000 | 100         | 6.8      |
      And the product list us-eo14257-annex-ii, "EO 14257 Annex II", takes effect on 2025-04-05 with the HS codes:
        | HTSUS |
        | 2709  |
      And the ledger records:
        | date       | event          | key                 | details                                                          |
        | 2025-04-05 | tariff imposed | us-ieepa-reciprocal | imposer US; target *; rate 10%; exempt_lists us-eo14257-annex-ii |
      And later the product list us-eo14257-annex-ii, "EO 14257 Annex II", takes effect on 2025-11-14 with the HS codes:
        | HTSUS |
        | 2709  |
        | 0901  |
      When I read the US tariff levels on Colombia from 2025-01-01 to 2025-12-31
      Then the series on Colombia is:
        | date       | added | why it changed                     |
        | 2025-01-01 | 0     | nothing in force                   |
        | 2025-04-05 | 10    | 10% on all goods                   |
        | 2025-11-14 | 2.5   | coffee, three quarters, now exempt |

  Rule: An export control may be suspended with no end set

    Scenario Outline: China's rare-earth controls suspended until reinstated
      Given the ledger records:
        | date       | event                     | key                    | details                                                            |
        | 2025-04-04 | export control imposed    | cn-rare-earths-2025-04 | imposer CN; items samarium, terbium and dysprosium; regime licence |
        | 2025-11-10 | export control suspended  | cn-rare-earths-2025-04 |                                                                    |
        | 2026-03-02 | export control reinstated | cn-rare-earths-2025-04 |                                                                    |
      When I read the export controls as of <day>
      Then the export control cn-rare-earths-2025-04 <shown>

      Examples:
        | day        | shown                                          |
        | 2025-11-09 | is in force since 2025-04-04                   |
        | 2025-11-10 | is suspended since 2025-11-10, with no end set |
        | 2026-03-01 | is suspended since 2025-11-10, with no end set |
        | 2026-03-02 | is in force since 2026-03-02                   |

  Rule: A baseline gives way to a country's own rate of the same program, and only to another layer

    Scenario Outline: The 10% baseline spares the goods of a country with its own reciprocal rate
      Given the ledger records:
        | date       | event          | key                    | details                                                      |
        | 2025-04-05 | tariff imposed | us-ieepa-reciprocal    | imposer US; target *; rate 10%; not_with us-ieepa-reciprocal |
        | 2025-04-09 | tariff imposed | us-ieepa-reciprocal-cn | imposer US; target CN; rate 84%; program us-ieepa-reciprocal |
      When I ask the US rate on HS 9503.00 from <partner> as of 2025-04-12
      Then the good pays <total>% in all
      And the layer us-ieepa-reciprocal <verdict>

      Examples:
        | partner | total | verdict                                                |
        | Vietnam | 10    | applies at 10%, adding 10%                             |
        | China   | 84    | does not apply, because "not with us-ieepa-reciprocal" |

  Rule: Questions and rates that make no sense are refused

    Scenario Outline: A question naming an unknown country, a group as imposer or a malformed HS code is refused
      When I run dipledger <command>
      Then the question is refused, saying "<words>"

      Examples:
        | command                                            | words                                                    |
        | rate US XX 8517.13                                 | TARGET: 'XX' is not an ISO 3166-1 alpha-2 country code   |
        | rate XX CN 8517.13                                 | IMPOSER: 'XX' is not an ISO 3166-1 alpha-2 country code  |
        | rate EU CN 8517.13                                 | IMPOSER: give a country, not EU                          |
        | rate US CN 85x7                                    | HS: '85x7' is not an HS code                             |
        | levels --imposer US --target ZZ --as-of 2025-05-01 | --target: 'ZZ' is not an ISO 3166-1 alpha-2 country code |

    Scenario Outline: A tariff rate is between 0% and 1000%
      When I record a tariff imposed of us-reciprocal-cn on 2025-04-05 with imposer US; target <target>; rate <rate>%
      Then <outcome>

      Examples:
        | target | rate | outcome                                                                      |
        | CN     | -5   | the recording is refused, saying "rate_pct: must not be negative"            |
        | CN     | 0    | it is recorded                                                               |
        | CN     | 1000 | it is recorded                                                               |
        | CN     | 1001 | the recording is refused, saying "rate_pct: must be at most 1000"            |
        | XX     | 10   | the recording is refused, saying "target: 'XX' is not an ISO 3166-1 alpha-2" |
        | UK     | 10   | it is recorded                                                               |

    Scenario Outline: A rate changed later is bounded too
      Given the ledger records:
        | date       | event          | key              | details                         |
        | 2025-04-05 | tariff imposed | us-reciprocal-cn | imposer US; target CN; rate 10% |
      When I record a tariff rate changed of us-reciprocal-cn on 2025-04-10 with rate <rate>%
      Then <outcome>

      Examples:
        | rate | outcome                                                           |
        | 125  | it is recorded                                                    |
        | 1001 | the recording is refused, saying "rate_pct: must be at most 1000" |
        | -1   | the recording is refused, saying "rate_pct: must not be negative" |
