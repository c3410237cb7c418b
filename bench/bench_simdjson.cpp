// The baseline for bench_e2e's decode row: simdjson's DOM parse of a file
// plus a walk that reads every value (strings' bytes, numbers), the work a
// typed decoder cannot skip. Built only when libsimdjson-dev is present.
//
//   bench_simdjson FILE [RUNS]     prints the best MB/s of RUNS
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <simdjson.h>

static size_t walk(simdjson::dom::element e)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::ARRAY: {
        size_t n = 1;
        for (auto v : simdjson::dom::array(e))
            n += walk(v);
        return n;
    }
    case element_type::OBJECT: {
        size_t n = 1;
        for (auto field : simdjson::dom::object(e))
            n += field.key.size() + walk(field.value);
        return n;
    }
    case element_type::STRING:
        return std::string_view(e).size();
    case element_type::INT64:
        return (size_t)int64_t(e) & 1;
    case element_type::UINT64:
        return (size_t)uint64_t(e) & 1;
    case element_type::DOUBLE:
        return double(e) > 0;
    case element_type::BOOL:
        return bool(e);
    default:
        return 1;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_simdjson FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? std::atoi(argv[2]) : 5;
    simdjson::padded_string json;
    if (simdjson::padded_string::load(argv[1]).get(json)) {
        std::fprintf(stderr, "bench_simdjson: cannot read %s\n", argv[1]);
        return 1;
    }
    simdjson::dom::parser parser;
    double best = 1e30;
    size_t sink = 0;
    for (int i = 0; i < (runs > 0 ? runs : 1) + 1; i++) { // the first run sizes the parser
        auto t0 = std::chrono::steady_clock::now();
        simdjson::dom::element doc;
        if (parser.parse(json).get(doc)) {
            std::fprintf(stderr, "bench_simdjson: parse failed\n");
            return 1;
        }
        sink += walk(doc);
        double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (i && t < best)
            best = t;
    }
    std::printf("%.1f %zu\n", (double)json.size() / 1e6 / best, sink);
    return 0;
}
