#include <cstdio>
int main() {
    std::puts("codeartifact-token " CAT_VERSION);
}
