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

  Scenario: The database itself refuses to change a recorded event
    When a colleague with write access tries to change the stored event at position 12
    Then the database refuses it
    And the ledger is verified when I verify it

  Scenario: An edit made before any digest was published is still caught
    Given someone edits the note of the stored event at position 7
    When I verify the ledger
    Then verification fails, naming position 7 as changed

  Scenario: A rate changed in the tables that queries read is caught, and a rebuild repairs it
    Given someone changes the rate US charges China on fentanyl in the tables that queries read
    When I verify the ledger
    Then verification fails, naming a row of the read model
    When I rebuild the read model
    Then the ledger is verified when I verify it

  Scenario: The read model claiming to be further ahead than the ledger is caught
    Given someone moves the read model's position far past the ledger's head
    When I verify the ledger
    Then verification fails, naming the read model's position

  Scenario: Events recorded after a published digest are said to be outside it
    Given I publish the digest
    And later the ledger records:
      | date       | event             | key         | details                                          |
      | 2025-06-12 | violation alleged | geneva-2025 | by US; against CN; claim licences are still slow |
    When I verify the ledger against the published digest
    Then the ledger is verified
    And it says position 37 comes after the digest

  Scenario: A backup restored into an empty ledger is the same ledger
    Given I publish the digest
    When I back up the ledger and restore the backup into an empty ledger
    Then the restored ledger verifies against the published digest
    And the restored ledger answers as the original does, as of 2025-08-12 as known at position 33
