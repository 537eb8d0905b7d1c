Feature: A tamper-evident ledger
  Every recorded event is chained to the one before it by a hash. An analyst publishes the
  ledger's digest (the hash at its head and the head's position) beside a report; whoever holds
  the ledger later can check that nothing recorded up to then was changed, removed, added or
  moved, and the ledger names the first position that was.

  Background:
    Given the London talks ledger

  Scenario: A published digest still holds after more events are recorded
    Given I publish the digest
    And later the ledger records:
      | date       | event             | key         | details                                          |
      | 2025-06-12 | violation alleged | geneva-2025 | by US; against CN; claim licences are still slow |
    When I verify the ledger against the published digest
    Then the ledger is verified

  Scenario: An event edited in the database is caught and its position named
    Given I publish the digest
    And someone edits the note of the stored event at position 12
    When I verify the ledger against the published digest
    Then verification fails, naming position 12 as changed
    And the published digest no longer matches

  Scenario: An event deleted from the database is caught
    Given I publish the digest
    And someone deletes the stored event at position 20
    When I verify the ledger
    Then verification fails, naming position 20 as deleted

  Scenario: Two events swapped in the database are caught
    Given I publish the digest
    And someone swaps the stored events at positions 5 and 6
    When I verify the ledger
    Then verification fails, naming position 5 as reordered

  Scenario: A digest this ledger never had does not match
    When I verify the ledger against the digest "abababababababababababababababababababababababababababababababab@30"
    Then verification fails, naming position 30 as not matching the digest
