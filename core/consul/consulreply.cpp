#include "core/consul/consulreply.h"

#include <QUrl>

namespace Baton {

bool ConsulHttpRequest::hasParam(const QByteArray &name) const
{
    for (const Param &p : query) {
        if (p.name == name)
            return true;
    }
    return false;
}

QByteArray ConsulHttpRequest::param(const QByteArray &name) const
{
    for (const Param &p : query) {
        if (p.name == name)
            return p.value;
    }
    return {};
}

QByteArray ConsulHttpRequest::encodedQuery() const
{
    // QUrlQuery leaves '+' alone, which Go's query parser reads as a space; encode everything but unreserved.
    QByteArray out;
    for (const Param &p : query) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(QString::fromUtf8(p.name));
        if (!p.bare) {
            out += '=';
            out += QUrl::toPercentEncoding(QString::fromUtf8(p.value));
        }
    }
    return out;
}

} // namespace Baton
