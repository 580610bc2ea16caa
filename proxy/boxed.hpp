// Members most idle clients never fill, kept on the heap so that such a client pays one pointer:
// an optional value and a map allocated on first insert (memory per idle client, issue 8).
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace pgsteer::proxy {

// An optional on the heap. reset() keeps the storage (the hot path fills and clears it once per
// unit of work, without a malloc each time); shrink() frees it for a client going idle.
template <class T>
class BoxedOptional {
public:
    explicit operator bool() const { return box_ && box_->has_value(); }
    T& operator*() { return **box_; }
    const T& operator*() const { return **box_; }
    T* operator->() { return &**box_; }
    const T* operator->() const { return &**box_; }
    BoxedOptional& operator=(T value) {
        if (!box_) box_ = std::make_unique<std::optional<T>>();
        *box_ = std::move(value);
        return *this;
    }
    void reset() {
        if (box_) box_->reset();
    }
    void shrink() {
        if (box_ && !box_->has_value()) box_.reset();
    }

private:
    std::unique_ptr<std::optional<T>> box_;
};

// The subset of a map's interface the client uses, with the map allocated at the first insert.
// Without a map, find() and end() both give the end of one shared empty map (never written).
template <class Map>
class LazyMap {
public:
    using iterator = typename Map::iterator;

    template <class K>
    iterator find(const K& key) {
        return map_ ? map_->find(key) : empty().end();
    }
    iterator end() { return map_ ? map_->end() : empty().end(); }
    template <class K, class V>
    auto insert_or_assign(K&& key, V&& value) {
        if (!map_) map_ = std::make_unique<Map>();
        return map_->insert_or_assign(std::forward<K>(key), std::forward<V>(value));
    }
    void erase(iterator it) { map_->erase(it); }   // `it` came from find(): the map exists

private:
    static Map& empty() {
        static Map none;
        return none;
    }
    std::unique_ptr<Map> map_;
};

}  // namespace pgsteer::proxy
