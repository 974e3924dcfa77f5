//! Keeping an installation over years: backing up the office's record and
//! putting it back ([`backup`]).

pub mod backup;
