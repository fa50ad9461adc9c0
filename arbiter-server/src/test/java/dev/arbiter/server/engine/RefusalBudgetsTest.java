package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RefusalBudgetsTest {

  @Test
  void countsEachBudgetSeparately() {
    RefusalBudgets budgets = new RefusalBudgets();
    assertThat(budgets.charge("a")).isEqualTo(1);
    assertThat(budgets.charge("a")).isEqualTo(2);
    assertThat(budgets.charge("b")).isEqualTo(1);
    assertThat(budgets.charge("a")).isEqualTo(3);
  }

  @Test
  void memoryStaysBoundedHoweverManyDecisionsAreRefused() {
    RefusalBudgets budgets = new RefusalBudgets(1_000);
    for (int i = 0; i < 10_000; i++) {
      budgets.charge("decision-" + i);
      assertThat(budgets.size()).isLessThanOrEqualTo(1_000);
    }
  }

  @Test
  void aResetNeedsAsManyOtherBudgetsAsTheTableHolds() {
    RefusalBudgets budgets = new RefusalBudgets(4);
    budgets.charge("target");
    budgets.charge("target");
    budgets.charge("x1");
    budgets.charge("x2");
    budgets.charge("x3");
    assertThat(budgets.charge("target")).as("still counted: the table was not full").isEqualTo(3);
    budgets.charge("x4");
    assertThat(budgets.charge("target")).as("forgotten only after the table filled").isEqualTo(1);
  }

  @Test
  void theDefaultBoundIsLarge() {
    assertThat(RefusalBudgets.MAX_BUDGETS).isGreaterThanOrEqualTo(65_536);
  }
}
