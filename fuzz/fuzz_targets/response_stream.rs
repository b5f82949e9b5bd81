//! A client reading arbitrary bytes as a response: no panic, and the same
//! messages, bodies, error and ending however the stream is cut into reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rhttp_fuzz::h1::replay::fuzz::response_stream(data));
