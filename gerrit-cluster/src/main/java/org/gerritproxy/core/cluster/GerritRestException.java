package org.gerritproxy.core.cluster;

import java.net.URI;

/** A Gerrit REST call that answered with an error status; the message names the call, the status and Gerrit's answer. */
public final class GerritRestException extends RuntimeException {
    private final int status;
    private final String body;

    GerritRestException(String method, URI uri, int status, String body) {
        super(method + " " + uri + " answered " + status + ": " + body.strip());
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String body() {
        return body;
    }
}
