/** The Jupyter MIME type of a plotly figure (its own module: the notebook runner needs it without the figure builders and tfjs). */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
