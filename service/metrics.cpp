#include "service/metrics.h"

namespace Baton {

namespace {
const std::vector<double> kBuckets { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

QString escapeLabel(QString v)
{
    v.replace(u'\\', QStringLiteral("\\\\"));
    v.replace(u'"', QStringLiteral("\\\""));
    v.replace(u'\n', QStringLiteral("\\n"));
    return v;
}

QString number(double v)
{
    if (v == double(qint64(v)) && std::abs(v) < 1e15)
        return QString::number(qint64(v));
    return QString::number(v, 'g', 12);
}

QString withLabel(const QString &labels, const QString &extra)
{
    if (labels.isEmpty())
        return u'{' + extra + u'}';
    return labels.left(labels.size() - 1) + u',' + extra + u'}';
}
} // namespace

QString Metrics::labelText(const Labels &labels)
{
    if (labels.isEmpty())
        return QString();
    QStringList parts;
    for (const auto &[k, v] : labels)
        parts.append(QStringLiteral("%1=\"%2\"").arg(k, escapeLabel(v)));
    return u'{' + parts.join(u',') + u'}';
}

void Metrics::describe(const QString &name, const QString &type, const QString &help)
{
    Family &f = m_families[name];
    f.type = type;
    f.help = help;
}

void Metrics::inc(const QString &name, const Labels &labels, double by)
{
    m_families[name].values[labelText(labels)] += by;
}

void Metrics::set(const QString &name, const Labels &labels, double value)
{
    m_families[name].values[labelText(labels)] = value;
}

void Metrics::observe(const QString &name, const Labels &labels, double value)
{
    auto &h = m_families[name].histograms[labelText(labels)];
    if (h.buckets.empty())
        h.buckets.assign(kBuckets.size(), 0);
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (value <= kBuckets[i])
            ++h.buckets[i];
    }
    h.sum += value;
    ++h.count;
}

void Metrics::addCollector(std::function<void(Metrics &)> collector)
{
    m_collectors.push_back(std::move(collector));
}

double Metrics::value(const QString &name, const Labels &labels) const
{
    const auto f = m_families.find(name);
    if (f == m_families.end())
        return 0;
    const auto v = f->second.values.find(labelText(labels));
    return v == f->second.values.end() ? 0 : v->second;
}

quint64 Metrics::histogramCount(const QString &name, const Labels &labels) const
{
    const auto f = m_families.find(name);
    if (f == m_families.end())
        return 0;
    const auto h = f->second.histograms.find(labelText(labels));
    return h == f->second.histograms.end() ? 0 : h->second.count;
}

QByteArray Metrics::render()
{
    for (auto &c : m_collectors)
        c(*this);
    QString out;
    for (const auto &[name, f] : m_families) {
        if (!f.help.isEmpty())
            out += QStringLiteral("# HELP %1 %2\n").arg(name, f.help);
        out += QStringLiteral("# TYPE %1 %2\n").arg(name, f.type);
        for (const auto &[labels, v] : f.values)
            out += name + labels + u' ' + number(v) + u'\n';
        for (const auto &[labels, h] : f.histograms) {
            for (std::size_t i = 0; i < kBuckets.size(); ++i)
                out += name + QStringLiteral("_bucket")
                    + withLabel(labels, QStringLiteral("le=\"%1\"").arg(number(kBuckets[i]))) + u' '
                    + QString::number(h.buckets[i]) + u'\n';
            out += name + QStringLiteral("_bucket") + withLabel(labels, QStringLiteral("le=\"+Inf\"")) + u' '
                + QString::number(h.count) + u'\n';
            out += name + QStringLiteral("_sum") + labels + u' ' + number(h.sum) + u'\n';
            out += name + QStringLiteral("_count") + labels + u' ' + QString::number(h.count) + u'\n';
        }
    }
    return out.toUtf8();
}

} // namespace Baton
