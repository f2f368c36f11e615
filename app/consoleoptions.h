#pragma once

#include "core/base/result.h"
#include "models/connectionprofile.h"

#include <optional>

#include <QProcessEnvironment>
#include <QStringList>
#include <QUrl>

namespace Baton {

// The command line of baton-console (BRIEF.md):
//   baton-console [--job-service URL] [--consul URL] [--wall] [--screenshot PNG [--screenshot-after MS]]
// plus --profile NAME, --theme light|dark,
// --screenshot-view main|launch|services|health|max-offline|wall|timeline|capacity,
// --help and --version.
struct ConsoleOptions
{
    QUrl jobServiceUrl;
    QUrl consulUrl;
    QString profile;
    bool wall = false;
    QString screenshotPath;
    int screenshotAfterMs = 2000;
    QString screenshotView = QStringLiteral("main");
    bool screenshotViewGiven = false;
    QString theme; // empty: from the settings
    bool help = false;
    bool version = false;

    // Parses arguments (without the program name). Errors are one line an operator can act on.
    static Result<ConsoleOptions> parse(const QStringList &arguments);
    static QString helpText();
    static QStringList screenshotViews();

    // The profile the console starts with: the saved one (by --profile, else the last used, else none), then the
    // command line, then the environment (BATON_URL/BATON_TOKEN, CONSUL_HTTP_ADDR/CONSUL_HTTP_TOKEN) for what is
    // still missing. Returns the profile and the tokens the environment gave (empty when none).
    struct Resolved
    {
        ConnectionProfile profile;
        ConnectionOverrides overrides;
        bool fromSavedProfile = false;
    };
    Result<Resolved> resolve(const std::optional<ConnectionProfile> &saved, const QProcessEnvironment &env) const;
};

} // namespace Baton
