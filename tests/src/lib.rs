//! End-to-end tests of Borne that span several crates live in `tests/tests/`; this library is
//! where their shared set-up will go (a Mosquitto broker, device simulators) as those parts land.
