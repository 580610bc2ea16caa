// libFuzzer entry point: exercise_scram (see ../exercise.hpp) on every input.
#include <cstddef>
#include <cstdint>

#include "../exercise.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pgsteer::protocol::test::exercise_scram({data, size});
    return 0;
}
