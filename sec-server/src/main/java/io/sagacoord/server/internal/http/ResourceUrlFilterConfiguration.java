package io.sagacoord.server.internal.http;

import jakarta.servlet.DispatcherType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.resource.ResourceUrlEncodingFilter;

/**
 * Spring's resource URL encoding (which rewrites links to static resources in rendered pages) for
 * the console's pages only. The JSON API renders no page, and the filter's request wrapper would
 * sit under every attribute read and write of every API request.
 */
@Configuration(proxyBeanMethods = false)
public class ResourceUrlFilterConfiguration {

  @Bean
  public FilterRegistrationBean<ResourceUrlEncodingFilter> resourceUrlEncodingFilter() {
    FilterRegistrationBean<ResourceUrlEncodingFilter> registration =
        new FilterRegistrationBean<>(new ResourceUrlEncodingFilter());
    registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR);
    registration.addUrlPatterns("/console", "/console/*");
    return registration;
  }
}
