"""Host side: CLI, backends, corpus files, benchmarks."""
