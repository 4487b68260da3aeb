/**
 * What both frontends report about finished requests: one record and one observer. It lives in
 * {@code routing} because that is the one module both frontends already depend on and which
 * depends on nothing; the frontends must not depend on each other.
 */
package org.gerritproxy.routing.traffic;
