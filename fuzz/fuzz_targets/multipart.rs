#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| seclai_mock::fuzz::multipart(data));
