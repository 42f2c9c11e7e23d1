package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.query.CatalogQueries;
import io.sagacoord.server.internal.query.CatalogQueries.DefinitionView;
import io.sagacoord.server.internal.query.CatalogQueries.ParticipantView;
import io.sagacoord.server.internal.query.CatalogQueries.Stats;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Definitions, participants and statistics (VIEWER). */
@RestController
@RequestMapping("/api")
public class CatalogController {

  private final CatalogQueries catalog;

  public CatalogController(CatalogQueries catalog) {
    this.catalog = catalog;
  }

  @GetMapping("/definitions")
  public List<DefinitionView> definitions(HttpServletRequest request) {
    new QueryParams(request, Set.of());
    return catalog.definitions();
  }

  @GetMapping("/participants")
  public List<ParticipantView> participants(HttpServletRequest request) {
    new QueryParams(request, Set.of());
    return catalog.participants();
  }

  @GetMapping("/stats")
  public Stats stats(HttpServletRequest request) {
    new QueryParams(request, Set.of());
    return catalog.stats();
  }
}
