/** Technical helpers of saga-dsl; not API, may change without notice. */
package io.sagacoord.dsl.internal;
