// Same-size objects carved from chunks, one free list per thread. Clients come and go by the
// thousand; side by side in chunks they leave no small holes among what logins free, so the heap
// can give that memory back (memory per idle client, issue 4).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace pgsteer::proxy {

template <std::size_t Size, std::size_t Align>
class Slab {
public:
    // Objects are freed on the thread that made them (a worker's loop); chunks live as long as it.
    static void* take() { return local().pop(); }
    static void give(void* p) { local().push(p); }

private:
    static constexpr std::size_t per_chunk = 64;
    union Slot {
        Slot* next;
        alignas(Align) unsigned char bytes[Size];
    };

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
        auto& chunk = chunks_.emplace_back(std::make_unique<Slot[]>(per_chunk));
        for (std::size_t i = per_chunk; i-- > 0;) push(&chunk[i]);
    }

    std::vector<std::unique_ptr<Slot[]>> chunks_;
    Slot* free_ = nullptr;
};

}  // namespace pgsteer::proxy
