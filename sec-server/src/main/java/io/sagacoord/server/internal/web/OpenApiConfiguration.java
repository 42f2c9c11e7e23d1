package io.sagacoord.server.internal.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document's header: title, the two security schemes, and a relative server URL so the
 * served document does not depend on the host or port (it is compared with docs/openapi.json).
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

  static {
    // saga data, details and descriptions are free JSON, not the JsonNode class's getters
    org.springdoc.core.utils.SpringDocUtils.getConfig()
        .replaceWithClass(tools.jackson.databind.JsonNode.class, Object.class);
  }

  /** Every operation may answer with these problems (RFC 9457). */
  @Bean
  public org.springdoc.core.customizers.OpenApiCustomizer problemResponses() {
    return openApi -> {
      io.swagger.v3.oas.models.media.Schema<?> problem =
          new io.swagger.v3.oas.models.media.ObjectSchema()
              .addProperty("type", new io.swagger.v3.oas.models.media.StringSchema())
              .addProperty("title", new io.swagger.v3.oas.models.media.StringSchema())
              .addProperty("status", new io.swagger.v3.oas.models.media.IntegerSchema())
              .addProperty("detail", new io.swagger.v3.oas.models.media.StringSchema())
              .addProperty("instance", new io.swagger.v3.oas.models.media.StringSchema());
      openApi.getComponents().addSchemas("Problem", problem);
      java.util.Map<String, String> common = new java.util.LinkedHashMap<>();
      common.put("400", "Bad request: malformed id, unknown parameter, bad limit or cursor");
      common.put("401", "No or invalid credentials");
      common.put("403", "The caller's role does not allow this");
      common.put("404", "Unknown saga or message");
      common.put("409", "Not allowed in the saga's current state");
      common.put("413", "Request body above sec.api.max-body-size");
      openApi
          .getPaths()
          .values()
          .forEach(
              path ->
                  path.readOperations()
                      .forEach(
                          op ->
                              common.forEach(
                                  (code, text) -> {
                                    if (!op.getResponses().containsKey(code)) {
                                      op.getResponses()
                                          .addApiResponse(
                                              code,
                                              new io.swagger.v3.oas.models.responses.ApiResponse()
                                                  .description(text)
                                                  .content(
                                                      new io.swagger.v3.oas.models.media.Content()
                                                          .addMediaType(
                                                              "application/problem+json",
                                                              new io.swagger.v3.oas.models.media
                                                                      .MediaType()
                                                                  .schema(
                                                                      new io.swagger.v3.oas.models
                                                                              .media.Schema<>()
                                                                          .$ref(
                                                                              "#/components/schemas/Problem")))));
                                    }
                                  })));
    };
  }

  @Bean
  public OpenAPI sagaCoordinatorOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Saga execution coordinator")
                .version("v1")
                .description(
                    "Start, inspect and operate sagas. Every endpoint but /actuator/health needs"
                        + " an API key (X-API-Key) or a JWT bearer token; errors are RFC 9457"
                        + " problem details. See docs/operations.md."))
        .servers(List.of(new Server().url("/")))
        .components(
            new Components()
                .addSecuritySchemes(
                    "apiKey",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.HEADER)
                        .name("X-API-Key"))
                .addSecuritySchemes(
                    "bearer",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("JWT")))
        .addSecurityItem(new SecurityRequirement().addList("apiKey"))
        .addSecurityItem(new SecurityRequirement().addList("bearer"));
  }
}
