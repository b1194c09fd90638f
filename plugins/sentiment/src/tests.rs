//! Rule tests through the analyzer and action tests through the FakeHost.
