#include "app/consoleoptions.h"

#include "core/consul/consulconfig.h"

#include <QDir>
#include <QFileInfo>

namespace Baton {

namespace {

Result<QUrl> parseUrl(const QString &text, const QString &flag)
{
    const QUrl url(text);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") || url.host().isEmpty())
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("%1 needs an http(s) URL with a host, not \"%2\"").arg(flag, text.left(200)));
    return url;
}

} // namespace

QStringList ConsoleOptions::screenshotViews()
{
    return { QStringLiteral("main"), QStringLiteral("launch"), QStringLiteral("services"), QStringLiteral("health"),
        QStringLiteral("max-offline"), QStringLiteral("wall"), QStringLiteral("timeline"), QStringLiteral("capacity") };
}

QString ConsoleOptions::helpText()
{
    return QStringLiteral(
        "Usage: baton-console [options]\n"
        "\n"
        "Baton Console: launch, watch and cancel rolling Ansible changes gated by Consul.\n"
        "\n"
        "Options:\n"
        "  --job-service URL        the job service (default: the saved profile, then $BATON_URL)\n"
        "  --consul URL             Consul's HTTP API (default: the saved profile, then $CONSUL_HTTP_ADDR)\n"
        "  --profile NAME           start with this saved connection profile\n"
        "  --wall                   start in wall-display mode\n"
        "  --theme light|dark       colour theme (default: the saved choice)\n"
        "  --screenshot PNG         render the window, write it to PNG and exit\n"
        "  --screenshot-after MS    wait this long before rendering (default 2000)\n"
        "  --screenshot-view VIEW   main, launch, services, health, max-offline, wall, timeline or capacity\n"
        "                           (default main)\n"
        "  --help                   show this help and exit\n"
        "  --version                show the version and exit\n"
        "\n"
        "Tokens: $BATON_TOKEN and $CONSUL_HTTP_TOKEN (or CONSUL_HTTP_TOKEN_FILE) apply when the profile has none;\n"
        "saved tokens live in the system keychain, or in ~/.config/baton/tokens.json (mode 0600) where no\n"
        "keychain runs ($BATON_TOKEN_STORE=auto|keychain|file).\n");
}

Result<ConsoleOptions> ConsoleOptions::parse(const QStringList &arguments)
{
    ConsoleOptions o;
    auto valueOf = [&arguments](qsizetype &i, const QString &flag) -> Result<QString> {
        const QString arg = arguments[i];
        const qsizetype eq = arg.indexOf(u'=');
        if (eq > 0)
            return arg.mid(eq + 1);
        if (i + 1 >= arguments.size())
            return fail(Error::Kind::InvalidInput, QStringLiteral("%1 needs a value").arg(flag));
        return arguments[++i];
    };
    bool afterGiven = false;
    bool viewGiven = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString arg = arguments[i];
        const QString flag = arg.section(u'=', 0, 0);
        if (flag == u"--help" || flag == u"-h") {
            o.help = true;
        } else if (flag == u"--version" || flag == u"-v") {
            o.version = true;
        } else if (flag == u"--wall") {
            o.wall = true;
        } else if (flag == u"--job-service") {
            BATON_TRY(v, valueOf(i, flag));
            BATON_TRY(url, parseUrl(v, flag));
            o.jobServiceUrl = url;
        } else if (flag == u"--consul") {
            BATON_TRY(v, valueOf(i, flag));
            auto url = ConsulConfig::parseAddress(v);
            if (!url)
                return fail(Error::Kind::InvalidInput, QStringLiteral("--consul: %1").arg(url.error().message));
            o.consulUrl = *url;
        } else if (flag == u"--profile") {
            BATON_TRY(v, valueOf(i, flag));
            o.profile = v;
        } else if (flag == u"--theme") {
            BATON_TRY(v, valueOf(i, flag));
            if (v != u"light" && v != u"dark")
                return fail(Error::Kind::InvalidInput,
                    QStringLiteral("--theme must be light or dark, not \"%1\"").arg(v.left(40)));
            o.theme = v;
        } else if (flag == u"--screenshot") {
            BATON_TRY(v, valueOf(i, flag));
            if (v.isEmpty())
                return fail(Error::Kind::InvalidInput, QStringLiteral("--screenshot needs a file name"));
            const QFileInfo info(v);
            if (!info.absoluteDir().exists())
                return fail(Error::Kind::Io,
                    QStringLiteral("--screenshot: the folder %1 does not exist")
                        .arg(QDir::toNativeSeparators(info.absolutePath())));
            o.screenshotPath = info.absoluteFilePath();
        } else if (flag == u"--screenshot-after") {
            BATON_TRY(v, valueOf(i, flag));
            bool ok = false;
            const int ms = v.toInt(&ok);
            if (!ok || ms < 0 || ms > 600000)
                return fail(Error::Kind::InvalidInput,
                    QStringLiteral("--screenshot-after needs milliseconds between 0 and 600000, not \"%1\"")
                        .arg(v.left(40)));
            o.screenshotAfterMs = ms;
            afterGiven = true;
        } else if (flag == u"--screenshot-view") {
            BATON_TRY(v, valueOf(i, flag));
            if (!screenshotViews().contains(v))
                return fail(Error::Kind::InvalidInput,
                    QStringLiteral("--screenshot-view must be one of %1, not \"%2\"")
                        .arg(screenshotViews().join(QStringLiteral(", ")), v.left(40)));
            o.screenshotView = v;
            o.screenshotViewGiven = true;
            viewGiven = true;
        } else {
            return fail(
                Error::Kind::InvalidInput, QStringLiteral("unknown option \"%1\" (see --help)").arg(arg.left(80)));
        }
    }
    if ((afterGiven || viewGiven) && o.screenshotPath.isEmpty())
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("--screenshot-after and --screenshot-view need --screenshot PNG"));
    return o;
}

Result<ConsoleOptions::Resolved> ConsoleOptions::resolve(
    const std::optional<ConnectionProfile> &saved, const QProcessEnvironment &env) const
{
    Resolved r;
    if (saved) {
        r.profile = *saved;
        r.fromSavedProfile = true;
    } else {
        r.profile.name = QStringLiteral("default");
    }
    if (!jobServiceUrl.isEmpty())
        r.profile.jobServiceUrl = jobServiceUrl;
    if (!consulUrl.isEmpty())
        r.profile.consulUrl = consulUrl;

    if (r.profile.jobServiceUrl.isEmpty() && env.contains(QStringLiteral("BATON_URL"))) {
        BATON_TRY(url, parseUrl(env.value(QStringLiteral("BATON_URL")), QStringLiteral("BATON_URL")));
        r.profile.jobServiceUrl = url;
    }
    r.overrides.jobServiceToken = env.value(QStringLiteral("BATON_TOKEN")).toUtf8();

    if (r.profile.consulUrl.isEmpty() || !env.value(QStringLiteral("CONSUL_HTTP_TOKEN")).isEmpty()
        || !env.value(QStringLiteral("CONSUL_HTTP_TOKEN_FILE")).isEmpty()) {
        // Consul's own variables, read the way the consul CLI reads them.
        auto consul = ConsulConfig::fromEnvironment(env);
        if (!consul)
            return fail(
                Error::Kind::InvalidInput, QStringLiteral("Consul environment: %1").arg(consul.error().message));
        if (r.profile.consulUrl.isEmpty() && env.contains(QStringLiteral("CONSUL_HTTP_ADDR")))
            r.profile.consulUrl = consul->address;
        r.overrides.consulToken = consul->token.toUtf8();
        r.overrides.consulCaFile = consul->caFile;
    }
    r.overrides.jobServiceUrl = r.profile.jobServiceUrl;
    r.overrides.consulUrl = r.profile.consulUrl;
    return r;
}

} // namespace Baton
