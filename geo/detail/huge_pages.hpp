#pragma once

// Private to geo/: an allocator for the grid's large arrays that asks the kernel for 2 MiB pages.
//
// Building the Banten desa grid writes some 100 MB of fresh memory. In 4 KiB pages that is
// tens of thousands of page faults, and on a virtual machine each one is a trap to the
// hypervisor: measured here, a third of the build's time was spent in them. Debian's kernel
// gives transparent huge pages only to memory that asks for them (madvise mode), which
// malloc does not do unless a tunable is set in the environment, so the large arrays ask here.
// Small arrays stay with the ordinary allocator; when the kernel has no huge page to give,
// the memory simply comes in small pages.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace pantau::geo::detail {

inline constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;
// Below this an array stays on the heap: a huge page would be mostly unused.
inline constexpr std::size_t huge_page_threshold = std::size_t{4} << 20;

template <class T>
struct huge_page_allocator {
    using value_type = T;

    huge_page_allocator() = default;
    template <class U>
    huge_page_allocator(const huge_page_allocator<U>&) noexcept
    {
    }

    T* allocate(std::size_t n)
    {
        if (n > (SIZE_MAX - 2 * huge_page_bytes) / sizeof(T))
            throw std::bad_array_new_length();
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge_page_threshold)
            return std::allocator<T>().allocate(n);
        // Over-map by one huge page and trim, so that the kept range starts on a 2 MiB boundary:
        // the kernel backs only aligned 2 MiB ranges with huge pages.
        const std::size_t kept = rounded(bytes);
        void* raw = ::mmap(nullptr, kept + huge_page_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            throw std::bad_alloc();
        const auto start = reinterpret_cast<std::uintptr_t>(raw);
        const std::uintptr_t aligned = (start + huge_page_bytes - 1) & ~(std::uintptr_t{huge_page_bytes} - 1);
        if (aligned > start)
            ::munmap(raw, aligned - start);
        if (const std::size_t tail = start + huge_page_bytes - aligned; tail > 0)
            ::munmap(reinterpret_cast<void*>(aligned + kept), tail);
        ::madvise(reinterpret_cast<void*>(aligned), kept, MADV_HUGEPAGE); // advice: failing is harmless
        return reinterpret_cast<T*>(aligned);
    }

    void deallocate(T* p, std::size_t n) noexcept
    {
        if (n * sizeof(T) < huge_page_threshold)
            std::allocator<T>().deallocate(p, n);
        else
            ::munmap(p, rounded(n * sizeof(T)));
    }

    friend bool operator==(const huge_page_allocator&, const huge_page_allocator&) { return true; }

private:
    static std::size_t rounded(std::size_t bytes) { return (bytes + huge_page_bytes - 1) & ~(huge_page_bytes - 1); }
};

template <class T>
using huge_vector = std::vector<T, huge_page_allocator<T>>;

} // namespace pantau::geo::detail
