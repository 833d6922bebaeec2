"""The people in care and what they receive: case files, with their sensitive part apart and
every read of it audited. Depends on fund; never on payments, never seen by a public page."""
