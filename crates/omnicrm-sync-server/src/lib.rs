//! The OmniCRM team sync server (work in progress).
