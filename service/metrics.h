#pragma once

#include <functional>
#include <map>
#include <vector>

#include <QByteArray>
#include <QList>
#include <QString>

namespace Baton {

// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition
// format (version 0.0.4). Gauges that are cheaper to compute at scrape time come from collectors.
class Metrics
{
public:
    using Labels = QList<std::pair<QString, QString>>;

    void describe(const QString &name, const QString &type, const QString &help);
    void inc(const QString &name, const Labels &labels = {}, double by = 1.0);
    void set(const QString &name, const Labels &labels, double value);
    void observe(const QString &name, const Labels &labels, double value); // histogram, seconds
    void addCollector(std::function<void(Metrics &)> collector);

    QByteArray render();

    double value(const QString &name, const Labels &labels = {}) const; // for tests: a counter or gauge
    quint64 histogramCount(const QString &name, const Labels &labels = {}) const;

private:
    struct Family
    {
        QString type = QStringLiteral("untyped");
        QString help;
        std::map<QString, double> values; // rendered label set → value
        struct Histogram
        {
            std::vector<quint64> buckets;
            double sum = 0;
            quint64 count = 0;
        };
        std::map<QString, Histogram> histograms;
    };
    static QString labelText(const Labels &labels);
    std::map<QString, Family> m_families;
    std::vector<std::function<void(Metrics &)>> m_collectors;
};

} // namespace Baton
