#include "tools/consul-sim/apicall.h"

#include "tools/consul-sim/agent.h"
#include "tools/consul-sim/goquote.h"

#include <zlib.h>

#include <QRandomGenerator>

namespace Baton::ConsulSim {

namespace {

// NYTimes gziphandler's default minimum size, which Consul's HTTP server uses.
constexpr qsizetype kGzipMinSize = 1400;

// A gzip member (RFC 1952), as Go's gzip handler sends it. zlib writes the gzip header and trailer itself when
// windowBits is 16 + MAX_WBITS.
std::optional<QByteArray> gzip(const QByteArray &input)
{
    z_stream zs {};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return std::nullopt;
    QByteArray out;
    out.resize(qsizetype(deflateBound(&zs, uLong(input.size()))));
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.constData()));
    zs.avail_in = uInt(input.size());
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const auto written = qsizetype(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END)
        return std::nullopt;
    out.truncate(written);
    return out;
}

bool acceptsGzip(const HttpRequest &req)
{
    const QByteArray ae = req.header("Accept-Encoding");
    for (const QByteArray &part : ae.split(',')) {
        const QByteArray coding = part.split(';').value(0).trimmed();
        if (coding.compare("gzip", Qt::CaseInsensitive) == 0) {
            const QByteArray q = part.contains(";q=") ? part.mid(part.indexOf(";q=") + 3).trimmed() : QByteArray("1");
            return q.toDouble() > 0.0;
        }
    }
    return false;
}

} // namespace

Call::Call(SimContext &context, Agent *a, HttpConnection *connection, std::uint64_t serial, HttpRequest request)
    : ctx(context)
    , agent(a)
    , req(std::move(request))
    , m_connection(connection)
    , m_serial(serial)
{
    pretty = req.query.has("pretty");
}

void Call::reply(HttpResponse response)
{
    if (m_answered)
        return;
    m_answered = true;
    if (m_capture) {
        response.setHeader("X-Consul-Default-Acl-Policy", ctx.acl->defaultPolicyName());
        response.setHeader("Vary", "Accept-Encoding");
        *m_capture = std::move(response);
        return;
    }
    if (!m_connection)
        return;
    response.setHeader("X-Consul-Default-Acl-Policy", ctx.acl->defaultPolicyName());
    response.setHeader("Vary", "Accept-Encoding");
    if (response.body.size() >= kGzipMinSize && acceptsGzip(req) && !response.hasHeader("Content-Encoding")) {
        if (auto compressed = gzip(response.body)) {
            response.body = std::move(*compressed);
            response.setHeader("Content-Encoding", "gzip");
        }
    }
    m_connection->respond(m_serial, std::move(response));
}

void Call::replyJson(const OJson &body, int status, std::vector<std::pair<QByteArray, QByteArray>> headers)
{
    HttpResponse r = HttpResponse::json(JsonRender::dump(body, pretty), status);
    for (auto &[k, v] : headers)
        r.setHeader(k, v);
    reply(std::move(r));
}

void Call::replyText(int status, const std::string &text)
{
    reply(HttpResponse::text(status, QByteArray::fromStdString(text)));
}

bool Call::resolveToken()
{
    std::string token = req.query.get("token");
    if (token.empty())
        token = req.header("X-Consul-Token").toStdString();
    if (token.empty()) {
        const QByteArray auth = req.header("Authorization");
        const QList<QByteArray> parts = auth.split(' ');
        if (parts.size() > 1 && parts[0].compare("Bearer", Qt::CaseInsensitive) == 0) {
            const QByteArray rest = auth.mid(parts[0].size()).trimmed();
            token = rest.split(' ').value(0).trimmed().toStdString();
        }
    }
    if (!ctx.acl->resolve(token, &who)) {
        replyText(403, "ACL not found");
        return false;
    }
    return true;
}

bool Call::parseQueryOptions()
{
    datacenter = req.query.get("dc");
    if (datacenter.empty())
        datacenter = ctx.config->datacenter;
    stale = req.query.has("stale");
    consistent = req.query.has("consistent");
    const bool cached = req.query.has("cached");
    if (req.query.has("max_stale")) {
        const std::string maxStale = req.query.get("max_stale");
        if (!maxStale.empty()) {
            const auto d = GoDuration::parse(maxStale);
            if (!d) {
                replyText(400, "Invalid max_stale value " + goQuote(maxStale));
                return false;
            }
            if (*d > 0)
                stale = true;
        }
    }
    if (stale && consistent) {
        replyText(400, "Cannot specify ?stale with ?consistent, conflicting semantics.");
        return false;
    }
    if (cached && consistent) {
        replyText(400, "Cannot specify ?cached with ?consistent, conflicting semantics.");
        return false;
    }
    const std::string waitText = req.query.get("wait");
    if (!waitText.empty()) {
        const auto d = GoDuration::parse(waitText);
        if (!d) {
            replyText(400, "Invalid wait time");
            return false;
        }
        wait = *d;
    }
    const std::string indexText = req.query.get("index");
    if (!indexText.empty()) {
        bool ok = indexText.size() <= 20 && indexText.find_first_not_of("0123456789") == std::string::npos;
        unsigned long long v = 0;
        if (ok) {
            errno = 0;
            v = std::strtoull(indexText.c_str(), nullptr, 10);
            ok = errno != ERANGE;
        }
        if (!ok) {
            replyText(400, "Invalid index");
            return false;
        }
        minIndex = v;
    }
    filter = req.query.get("filter");
    return true;
}

bool Call::rpc()
{
    if (datacenter.empty()) {
        datacenter = req.query.get("dc");
        if (datacenter.empty())
            datacenter = ctx.config->datacenter;
    }
    return rejectEnterpriseParams() && checkDatacenter() && resolveToken();
}

bool Call::rejectEnterpriseParams()
{
    if (req.query.has("ns") && !req.query.get("ns").empty()) {
        replyText(400, "Invalid query parameter: \"ns\" - Namespaces are a Consul Enterprise feature");
        return false;
    }
    if (!req.header("X-Consul-Namespace").isEmpty()) {
        replyText(400, "Invalid header: \"X-Consul-Namespace\" - Namespaces are a Consul Enterprise feature");
        return false;
    }
    if (req.query.has("partition") && !req.query.get("partition").empty()) {
        replyText(400, "Invalid query parameter: \"partition\" - Partitions are a Consul Enterprise feature");
        return false;
    }
    return true;
}

bool Call::checkDatacenter()
{
    if (!datacenter.empty() && datacenter != ctx.config->datacenter) {
        replyText(500, "No path to datacenter");
        return false;
    }
    return true;
}

bool Call::compileFilter(const BexprFilter::Schema &schema, std::optional<BexprFilter> *out)
{
    out->reset();
    if (filter.empty())
        return true;
    std::string error;
    *out = BexprFilter::create(filter, schema, &error);
    if (!*out) {
        replyText(500, error);
        return false;
    }
    return true;
}

void Call::addQueryMeta(
    std::vector<std::pair<QByteArray, QByteArray>> &headers, std::uint64_t index, bool effectiveConsistency) const
{
    headers.emplace_back("X-Consul-Index", QByteArray::number(qulonglong(index == 0 ? 1 : index)));
    headers.emplace_back("X-Consul-Knownleader", "true");
    headers.emplace_back("X-Consul-Lastcontact", "0");
    if (effectiveConsistency)
        headers.emplace_back("X-Consul-Effective-Consistency", consistent ? "consistent" : stale ? "stale" : "leader");
}

void Call::block(BlockingQueries::Topic topic, const std::string &key, std::function<std::uint64_t()> index,
    std::function<void()> render)
{
    if (minIndex == 0 || index() > minIndex) {
        render();
        return;
    }
    if (!m_connection)
        return; // the client is gone already
    const TimingConfig &t = ctx.config->timing;
    Nanos w = wait;
    if (w <= 0)
        w = t.defaultQueryTime;
    if (w > t.maxQueryTime)
        w = t.maxQueryTime;
    const Nanos jitterRange = w / 16;
    const Nanos jitter = jitterRange > 0 ? Nanos(QRandomGenerator::global()->bounded(double(jitterRange))) : 0;
    BlockingQueries::Waiter waiter;
    waiter.topic = topic;
    waiter.key = key;
    const std::uint64_t min = minIndex;
    waiter.ready = [index, min] { return index() > min; };
    waiter.respond = std::move(render);
    waiter.deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(w + jitter);
    waiter.connection = m_connection;
    ctx.blocking->add(std::move(waiter));
}

bool Call::acl(const std::string &resource, Acl::Access access, const std::string &name) const
{
    return ctx.acl->allowed(who, resource, access, name);
}

void Call::denied(const std::string &resource, Acl::Access access, const std::string &name)
{
    replyText(403, ctx.acl->denial(who, resource, access, name));
}

} // namespace Baton::ConsulSim
