from kedro.pipeline import Pipeline, node, pipeline

from .nodes import generate_sample_data


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                generate_sample_data,
                inputs={"sample_data": "params:sample_data"},
                outputs="sample_data_summary",
                name="generate_sample_data_node",
            )
        ],
        tags="sample_data",
    )
