#pragma once

// Which fields of a protobuf message hold their default: tests that fill a domain value in full
// use it to show that every field of its wire form is written, so that a field added to a .proto
// and to no conversion fails them.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include <set>
#include <string>

namespace pantau::testing {

// What to say of a oneof whose member is chosen: its other members are unset too (listed), or
// are not fields the message could have filled (left out).
enum class unchosen_oneof_members { listed, left_out };

// The fields of `m` (and of the messages inside it, as "outer.inner") that hold their default:
// unset optionals, empty repeated fields, and proto3 scalars at zero.
inline std::set<std::string> unset_fields(const google::protobuf::Message& m,
                                          unchosen_oneof_members unchosen = unchosen_oneof_members::listed,
                                          const std::string& prefix = "")
{
    std::set<std::string> unset;
    const google::protobuf::Descriptor* d = m.GetDescriptor();
    const google::protobuf::Reflection* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
        const google::protobuf::FieldDescriptor* f = d->field(i);
        const std::string name = prefix + f->name();
        const bool set = f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
        if (!set) {
            const auto* oneof = f->real_containing_oneof();
            if (!(unchosen == unchosen_oneof_members::left_out && oneof && r->HasOneof(m, oneof)))
                unset.insert(name);
            continue;
        }
        if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE)
            continue;
        if (f->is_repeated()) {
            for (int k = 0; k < r->FieldSize(m, f); ++k)
                unset.merge(unset_fields(r->GetRepeatedMessage(m, f, k), unchosen, name + "."));
        } else {
            unset.merge(unset_fields(r->GetMessage(m, f), unchosen, name + "."));
        }
    }
    return unset;
}

} // namespace pantau::testing
