#pragma once

#include "core/base/result.h"
#include "core/domain/job.h"

#include <nlohmann/json.hpp>

namespace Baton::JobCodec {

// JSON shapes of the job service API v1 (docs/openapi.yaml is the reference; tests keep the two in step).
// Decoders check every field's type and ignore unknown fields, so a newer service stays readable.

nlohmann::json toJson(const WaitInfo &wait);
Result<WaitInfo> waitInfoFromJson(const nlohmann::json &j);

nlohmann::json toJson(const NodeCounts &counts);
Result<NodeCounts> countsFromJson(const nlohmann::json &j);

nlohmann::json toJson(const NodeRun &run);
Result<NodeRun> nodeRunFromJson(const nlohmann::json &j);

// The launch request body. Decoding checks types only; the service validates meaning (playbook known, etc).
nlohmann::json toJson(const JobSpec &spec);
Result<JobSpec> jobSpecFromJson(const nlohmann::json &j);

enum class NodeDetail
{
    WithNodes,
    CountsOnly
};
nlohmann::json toJson(const Job &job, NodeDetail detail = NodeDetail::WithNodes);
Result<Job> jobFromJson(const nlohmann::json &j);

// Timestamps: 0 ↔ null, otherwise RFC 3339 with milliseconds.
nlohmann::json timeToJson(qint64 ms);
Result<qint64> timeFromJson(const nlohmann::json &object, const char *key);

} // namespace Baton::JobCodec
