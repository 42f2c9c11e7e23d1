package io.sagacoord.server.internal.console;

import io.sagacoord.server.internal.security.ApiKeys;
import io.sagacoord.server.internal.security.CredentialThrottle;
import io.sagacoord.server.internal.security.SecurityConfiguration.BearerTokens;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.Cookie.SameSite;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.authentication.session.ChangeSessionIdAuthenticationStrategy;
import org.springframework.security.web.authentication.session.CompositeSessionAuthenticationStrategy;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.csrf.CsrfAuthenticationStrategy;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;

/**
 * Security of the console: its own filter chain for {@code /console/**}, ahead of the API's
 * stateless chains, which stay as they are. A person signs in once with an API key (or a bearer
 * token when an identity provider is configured) and gets a server session in an HttpOnly,
 * SameSite=Strict cookie scoped to {@code /console}; every POST carries a CSRF token; the roles are
 * those of the REST API (reading pages for VIEWER, OPERATOR, ADMIN; actions and redelivery for
 * OPERATOR and ADMIN); an idle session ends after {@code sec.console.session-timeout}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ConsoleProperties.class)
@ConditionalOnProperty(
    prefix = "sec.console",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class ConsoleSecurity {

  /** The name of the console's session cookie. */
  public static final String COOKIE = "SEC_CONSOLE_SESSION";

  static final String SIGN_IN = "/console/sign-in";
  static final String SIGN_OUT = "/console/sign-out";

  private static final String[] READERS = {"VIEWER", "OPERATOR", "ADMIN"};
  private static final String[] OPERATORS = {"OPERATOR", "ADMIN"};

  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

  @Bean
  @Order(0)
  public SecurityFilterChain consoleFilterChain(
      HttpSecurity http,
      ApiKeys apiKeys,
      BearerTokens bearer,
      CredentialThrottle throttle,
      ConsoleProperties properties,
      Clock clock)
      throws Exception {
    HttpSessionCsrfTokenRepository csrf = new HttpSessionCsrfTokenRepository();
    ConsoleSignInFilter signIn =
        new ConsoleSignInFilter(apiKeys, bearer, throttle, properties.sessionTimeout(), clock);
    signIn.setSecurityContextRepository(new HttpSessionSecurityContextRepository());
    signIn.setSessionAuthenticationStrategy(
        new CompositeSessionAuthenticationStrategy(
            List.of(
                new ChangeSessionIdAuthenticationStrategy(),
                new CsrfAuthenticationStrategy(csrf))));
    http.securityMatcher("/console", "/console/**")
        .csrf(c -> c.csrfTokenRepository(csrf))
        .httpBasic(b -> b.disable())
        .formLogin(f -> f.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.IF_REQUIRED))
        .headers(
            h ->
                h.contentSecurityPolicy(c -> c.policyDirectives(CONTENT_SECURITY_POLICY))
                    .frameOptions(f -> f.deny()))
        .exceptionHandling(
            e ->
                e.authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint(SIGN_IN))
                    .accessDeniedHandler(
                        (request, response, denied) -> {
                          response.setStatus(HttpServletResponse.SC_FORBIDDEN);
                          response.setContentType("text/html;charset=UTF-8");
                          response
                              .getOutputStream()
                              .write(FORBIDDEN_PAGE.getBytes(StandardCharsets.UTF_8));
                        }))
        .addFilterAt(signIn, UsernamePasswordAuthenticationFilter.class)
        .addFilterAfter(
            new ConsoleSessionExpiry(properties.sessionTimeout(), clock),
            SecurityContextHolderFilter.class)
        .logout(
            l ->
                l.logoutUrl(SIGN_OUT)
                    .logoutSuccessUrl(SIGN_IN + "?signed-out")
                    .deleteCookies(COOKIE)
                    .invalidateHttpSession(true))
        .authorizeHttpRequests(
            a ->
                a.dispatcherTypeMatchers(jakarta.servlet.DispatcherType.ERROR)
                    .permitAll()
                    .requestMatchers(HttpMethod.GET, SIGN_IN, "/console/console.css")
                    .permitAll()
                    .requestMatchers(HttpMethod.POST, SIGN_IN)
                    .permitAll()
                    .requestMatchers(
                        "/console/sagas/*/actions/*", "/console/quarantine/*/redeliver")
                    .hasAnyRole(OPERATORS)
                    .anyRequest()
                    .hasAnyRole(READERS));
    return http.build();
  }

  /**
   * The session cookie: named for the console, HttpOnly, SameSite=Strict, sent only to {@code
   * /console}. Runs after Boot's own customizer, which sets the session from {@code
   * server.servlet.session.*}.
   */
  @Bean
  public WebServerFactoryCustomizer<ConfigurableServletWebServerFactory> consoleSessionCookie() {
    return new Customizer();
  }

  private static final class Customizer
      implements WebServerFactoryCustomizer<ConfigurableServletWebServerFactory>, Ordered {
    @Override
    public void customize(ConfigurableServletWebServerFactory factory) {
      org.springframework.boot.web.server.Cookie cookie =
          factory.getSettings().getSession().getCookie();
      cookie.setName(COOKIE);
      cookie.setHttpOnly(true);
      cookie.setSameSite(SameSite.STRICT);
      cookie.setPath("/console");
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }

  private static final String FORBIDDEN_PAGE =
      """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>Forbidden - saga console</title>
      <link rel="stylesheet" href="/console/console.css"></head>
      <body><main id="main"><h1>Forbidden (403)</h1>
      <p>Your role does not allow this, or the form was not sent from a console page (missing or
      stale CSRF token). Nothing was changed.</p>
      <p><a href="/console">Back to the overview</a></p></main></body></html>
      """;
}
