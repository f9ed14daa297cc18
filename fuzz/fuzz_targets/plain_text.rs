#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| storyline_fuzz::plain_text(data));
