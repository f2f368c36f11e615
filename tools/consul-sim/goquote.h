#pragma once

#include <string>
#include <string_view>

namespace Baton::ConsulSim {

// Go's strconv.Quote (what fmt's %q and %#v print for a string): double quotes, with \" \\ \n \t … and \xNN for
// bytes that are not valid UTF-8. Consul's error texts embed keys and IDs this way.
std::string goQuote(std::string_view s);

} // namespace Baton::ConsulSim
