// Same-size objects carved from chunks, one free list per thread. Clients come and go by the
// thousand; chunks are mapped pages of their own, outside the heap, so the logins' short-lived
// allocations never sit between them and the heap can give that memory back (memory per idle
// client, issue 4).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

#include <sys/mman.h>

namespace pgsteer::proxy {

template <std::size_t Size, std::size_t Align>
class Slab {
public:
    // Objects are freed on the thread that made them (a worker's loop); chunks live as long as
    // the process (a worker's slab is as large as its busiest moment).
    static void* take() { return local().pop(); }
    static void give(void* p) { local().push(p); }

private:
    static constexpr std::size_t chunk_bytes = 64 * 1024;
    union Slot {
        Slot* next;
        alignas(Align) unsigned char bytes[Size];
    };
    static constexpr std::size_t per_chunk = chunk_bytes / sizeof(Slot);
    static_assert(per_chunk >= 16, "a chunk holds a useful number of objects");

    static Slab& local() {
        thread_local Slab slab;
        return slab;
    }
    void* pop() {
        if (!free_) grow();
        Slot* s = free_;
        free_ = s->next;
        return s;
    }
    void push(void* p) {
        auto* s = static_cast<Slot*>(p);
        s->next = free_;
        free_ = s;
    }
    void grow() {
        void* mem = mmap(nullptr, chunk_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) throw std::bad_alloc();
        auto* chunk = static_cast<Slot*>(mem);
        for (std::size_t i = per_chunk; i-- > 0;) push(&chunk[i]);
    }

    Slot* free_ = nullptr;
};

}  // namespace pgsteer::proxy
