// Entry point of pgsteer (placeholder until the CLI lands).
int main() { return 0; }
