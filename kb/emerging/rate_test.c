/* The statistical test of kb/emerging: is a topic's count in the recent
 * window above what its own baseline predicts? The exact conditional test
 * of two Poisson rates (Przyborowski and Wilenski, 1940): given n = r + b
 * events in both windows, under equal rates the recent window's share is
 * Binomial(n, w / (w + t)). Exact at any count, and it charges for a
 * baseline measured over a short history. */
#include <math.h>

#include "kb/emerging/emerging.h"

double kb_emerging_pvalue(int64_t r, int64_t b, double w, double t)
{
    if (r <= 0)
        return 1.0;
    if (b < 0)
        b = 0;
    if (w <= 0)
        return 1.0;
    if (t <= 0)
        return 1.0; /* no history: nothing to compare with */
    double p = w / (w + t);
    int64_t n = r + b;
    double lp = log(p), lq = log1p(-p), sum = 0.0;
    double lgn = lgamma((double)n + 1.0);
    for (int64_t x = r; x <= n; x++) {
        double term = lgn - lgamma((double)x + 1.0) - lgamma((double)(n - x) + 1.0) +
                      (double)x * lp + (double)(n - x) * lq;
        double v = exp(term);
        sum += v;
        if (x > r + 50 && v < sum * 1e-17)
            break;
    }
    return sum > 1.0 ? 1.0 : sum;
}
