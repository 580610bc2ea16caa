// A deterministic loop of random inputs through every decoder: must not crash or over-read
// (this is the fuzzing that runs everywhere, including under ASan/UBSan in CI without clang).
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "exercise.hpp"

using namespace pgsteer::protocol::test;

namespace {

// Mostly plausible headers (a known type byte, a length near the real size) so the parsers get
// past framing, with random bodies; sometimes pure noise.
std::vector<std::uint8_t> random_frames(std::mt19937_64& rng, bool startup) {
    std::uniform_int_distribution<int> byte(0, 255), len(0, 48), coin(0, 3);
    std::vector<std::uint8_t> out;
    const int frames = 1 + coin(rng);
    for (int i = 0; i < frames; ++i) {
        const auto body = static_cast<std::uint32_t>(len(rng));
        std::uint32_t declared = body + (startup ? 8 : 4);
        if (coin(rng) == 0) declared += static_cast<std::uint32_t>(byte(rng)) - 128u;
        if (!startup) out.push_back(static_cast<std::uint8_t>("QPBEDCSHXFpfdcRKZNTIn123stAGWVv"[byte(rng) % 31]));
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(declared >> s));
        if (startup) {
            static const std::uint32_t codes[] = {196608, 80877103, 80877104, 80877102, 196610, 131072};
            const std::uint32_t code = codes[byte(rng) % 6];
            for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(code >> s));
        }
        // Bodies rich in NULs and small numbers, the bytes that steer the parsers.
        for (std::uint32_t b = 0; b < body; ++b)
            out.push_back(static_cast<std::uint8_t>(coin(rng) == 0 ? 0 : coin(rng) == 1 ? byte(rng) % 4 : byte(rng)));
    }
    if (coin(rng) == 0) out.resize(out.size() / 2);
    return out;
}

std::string random_scram(std::mt19937_64& rng) {
    static const char* const pieces[] = {"n,,", "y,,", "p=x,,", "n=", "r=", "c=biws", "s=", "i=4096", "p=", "v=",
                                         "e=", ",", "\n", "client-nonce", "server-nonce", "AAAA", "==", "a=", "m="};
    std::uniform_int_distribution<int> pick(0, 18), count(0, 14), byte(0, 255);
    std::string out;
    for (int i = count(rng); i > 0; --i) {
        if (pick(rng) == 0) {
            out.push_back(static_cast<char>(byte(rng)));
        } else {
            out += pieces[pick(rng)];
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(random_input)

BOOST_AUTO_TEST_CASE(decoders_survive_200k_random_inputs) {
    std::mt19937_64 rng(20240611);
    for (int i = 0; i < 100000; ++i) {
        const auto input = random_frames(rng, false);
        exercise_frames(input);
        if (input.size() > 5) exercise_messages(std::span(input).subspan(5));
    }
    for (int i = 0; i < 100000; ++i) exercise_startup(random_frames(rng, true));
    BOOST_TEST(true);   // reaching here without a crash or sanitizer report is the assertion
}

BOOST_AUTO_TEST_CASE(scram_survives_20k_random_exchanges) {
    std::mt19937_64 rng(7677);
    for (int i = 0; i < 20000; ++i) {
        const std::string s = random_scram(rng);
        exercise_scram({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
    }
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_SUITE_END()
