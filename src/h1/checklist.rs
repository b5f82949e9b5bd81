//! Checklist tests (filled from the oracle).
