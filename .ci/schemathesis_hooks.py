"""schemathesis hooks for .ci/schemathesis: a raw message (message/rfc822, a binary string in the
document) is sent as the bytes schemathesis makes for it, as for application/octet-stream."""

import schemathesis

schemathesis.serializer.alias("message/rfc822", "application/octet-stream")
