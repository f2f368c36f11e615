#pragma once

#include "core/base/jsonlimits.h"
#include "core/base/result.h"
#include "core/domain/jobevent.h"

#include <nlohmann/json.hpp>

#include <QByteArray>

namespace Baton::EventCodec {

// The `data:` payload of one SSE event on GET /v1/events (one JSON object on one line).
nlohmann::json toJson(const JobEvent &event);
QByteArray toDataLine(const JobEvent &event); // compact JSON, no newline

Result<JobEvent> fromJson(const nlohmann::json &j);
// Bounded parse plus decode of one `data:` payload.
Result<JobEvent> fromData(const QByteArray &data, const JsonLimits &limits = JsonLimits::eventDefault());

} // namespace Baton::EventCodec
