//! A server reading arbitrary bytes: no panic, and the same messages,
//! bodies and error however the stream is cut into reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rhttp_fuzz::h1::replay::fuzz::request_stream(data));
